package cowsim.kernel;

import cowsim.isa.Constants;
import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import cowsim.machine.cpu.KernelPort;
import cowsim.machine.cpu.TrapHandler;
import cowsim.machine.observe.Event;
import cowsim.stats.Stat;
import java.util.Map;

/**
 * The kernel as it runs on one CPU: its trap entry points ({@link TrapHandler}: system-call
 * dispatch, the page-fault path, the scheduler's client side with context switches, exit and
 * wait). One instance per CPU, owned by its actor; it reaches memory and the shared kernel
 * structures only through {@link Hardware}.
 */
public final class KernelOnCpu implements TrapHandler {

  /** Exit code of a process killed by a failed {@code assert} (as abort(): SIGABRT, 134). */
  public static final long ASSERT_EXIT = Signal.SIGABRT.exitCode();

  private final Hardware hw;

  public KernelOnCpu(Hardware hw) {
    this.hw = hw;
  }

  /**
   * The kernel on a CPU, given the port that CPU offers: what the machine's wiring hands each
   * CPU as its trap handler.
   *
   * @param maxRefaults copy-to-user gives up after this many faults on its store
   */
  public static TrapHandler on(KernelPort port, KernelPolicy policy, int maxRefaults) {
    return new KernelOnCpu(new PerCpu(port, policy, maxRefaults));
  }

  // ------------------------------------------------------------------ trap entries

  @Override
  public void reschedule() {
    schedule();
  }

  @Override
  public void programEnd() {
    exit(0, true, null);
  }

  @Override
  public void fatal(String reason) {
    kill(reason);
  }

  @Override
  public void killed(long code) {
    exit(code, false, null);
  }

  @Override
  public void counters(Map<String, Long> into) {
    KernelCounters c = hw.counters();
    into.put(Stat.PAGE_FAULTS.key, c.pageFaults);
    into.put(Stat.DEMAND_ZERO_FAULTS.key, c.demandZeroFaults);
    into.put(Stat.HUGE_FAULTS.key, c.hugeFaults);
    into.put(Stat.HUGE_SPLITS.key, c.hugeSplits);
    into.put(Stat.COW_FAULTS.key, c.cowFaults);
    into.put(Stat.COW_COPIES.key, c.cowCopies);
    into.put(Stat.COW_REUSES.key, c.cowReuses);
    into.put(Stat.SPURIOUS_FAULTS.key, c.spuriousFaults);
    into.put(Stat.SYSCALLS.key, c.syscalls);
    into.put(Stat.TASKS_KILLED.key, c.killed);
  }

  // ------------------------------------------------------------------ scheduling

  /** Give up the current task (it stays runnable) or, when idle, ask for work. */
  public void schedule() {
    TaskImage t = hw.current();
    long tid = t == null ? 0 : t.tid();
    RegisterFile regs = t == null ? null : hw.regs().copy();
    TaskImage.Refaults refaults = t == null ? TaskImage.Refaults.NONE : hw.refaults();
    hw.call(tag -> new KernelState.Schedule(tag, hw.cpu(), tid, regs, refaults, t == null ? 0 : hw.minflt()), this::dispatched);
  }

  /** The answer to every request that gives up the CPU: run a task, idle, or tear down first. */
  private void dispatched(KernelState.Answer p) {
    if (p instanceof KernelState.Run r) {
      hw.switchTo(r.task());
      runAction(r.task());
    } else if (p instanceof KernelState.Idle) {
      hw.becomeIdle();
    } else if (p instanceof KernelState.Teardown td) {
      hw.log("teardown of pid {}: {} VMAs", td.pid(), td.vmas().size());
      AddressSpaces.teardown(
          hw,
          td.cr3(),
          td.vmas(),
          () -> {
            if (hw.cr3() == td.cr3()) {
              hw.writeCr3(Layout.KERNEL_PML4);
            }
            Runnable done = () -> hw.call(tag -> new KernelState.TeardownDone(tag, hw.cpu(), td.pid()), this::dispatched);
            if (!td.files()) {
              done.run();
              return;
            }
            // do_exit: exit_mm, then exit_files (the pipes' last ends go, their buffers released)
            hw.call(tag -> new KernelState.PipeCloseAll(tag, td.pid()),
                res -> PipeCalls.releaseAll(hw, ((KernelState.PipeData) res).released(), done));
          });
    } else {
      throw new IllegalStateException("unexpected answer to a switch: " + p);
    }
  }

  private void runAction(TaskImage t) {
    TaskImage.Action a = t.action();
    if (a instanceof TaskImage.Boot b) {
      AddressSpaces.newPml4(
          hw,
          pml4 -> {
            if (pml4 < 0) {
              kill("out of memory for the PML4");
              return;
            }
            hw.call(
                tag -> new KernelState.SetCr3(tag, t.pid(), pml4),
                ok -> {
                  hw.writeCr3(pml4);
                  AddressSpaces.populate(
                      hw,
                      pml4,
                      b.populate(),
                      err -> {
                        if (err != null) {
                          kill(err);
                        } else {
                          hw.log("pid {} ({}) starts", t.pid(), t.name());
                          hw.enterUser();
                        }
                      });
                });
          });
    } else if (a instanceof TaskImage.WriteStatus w) {
      putStatus(
          w.addr(),
          w.status(),
          ok -> {
            if (!ok) {
              hw.regs().set(Reg.RAX, -Errno.EFAULT);
            }
            hw.enterUser();
          });
    } else {
      hw.enterUser();
    }
  }

  /** End the calling thread ({@code group}: every thread of its process). */
  public void exit(long code, boolean group, String killReason) {
    TaskImage t = hw.current();
    hw.call(tag -> new KernelState.Exit(tag, hw.cpu(), t.tid(), code, group, killReason, hw.minflt()), this::dispatched);
  }

  /**
   * The task cannot go on (unresolvable fault, refault loop, misaligned access, wild control
   * flow, out of memory): its whole process dies by a signal, as a group exit (strat9 kills the
   * task; Linux's SIGSEGV default action is do_group_exit(SIGSEGV)): SIGSEGV, exit code 139, wait4
   * status 11; or, out of memory, SIGKILL as Linux's OOM killer sends it (exit code 137, status 9;
   * {@link Signal#ofKill}). Its siblings are stopped by {@link KernelState}.
   */
  public void kill(String reason) {
    hw.counters().killed++;
    hw.log("killing pid {}: {}", hw.current().pid(), reason);
    exit(Signal.ofKill(reason).exitCode(), true, reason);
  }

  /**
   * The CPU fetched an instruction at {@code rip}, which is no instruction of the program (a
   * {@code ret} to a value that call never pushed): a page fault on an instruction fetch outside
   * every VMA, as for an unmapped address (code is not in simulated memory, so no VMA holds it).
   * strat9 kills the task; Linux's bad_area sends SIGSEGV, whose default action ends the thread
   * group (force_sig_fault, then do_group_exit). Both end the whole process, by SIGSEGV (exit code 139).
   */
  @Override
  public void badFetch(long rip) {
    hw.counters().pageFaults++;
    kill("instruction fetch at rip " + rip + ", outside the program (SIGSEGV)");
  }

  /** A failed assert: the process dies as by abort(). */
  @Override
  public void assertionFailed(String message) {
    hw.log("{}", message);
    exit(ASSERT_EXIT, true, message);
  }

  // ------------------------------------------------------------------ faults

  /**
   * A user-mode page fault; {@code retry} re-executes the faulting instruction. A reserved-bit
   * fault takes the present-fault path for now (P is set with RSVD).
   */
  @Override
  public void pageFault(long va, boolean write, boolean present, boolean reserved, Runnable retry) {
    if (hw.timeline()) {
      hw.report(new Event.KernelEntry(hw.now(), hw.cpu(), "page fault",
          (write ? "write" : "read") + " at 0x" + Long.toHexString(va) + (reserved ? ", reserved bit" : present ? ", protection" : ", not present")));
    }
    PageFaultHandler.handle(hw, hw.current().pid(), va, write, present || reserved, retry, this::kill);
  }

  // ------------------------------------------------------------------ system calls

  /** A system call's name for the timeline (its SYS_ constant), or "syscall N". */
  static String syscallName(long nr) {
    for (Map.Entry<String, Long> e : Constants.NAMES.entrySet()) {
      if (e.getKey().startsWith("SYS_") && e.getValue() == nr) {
        return e.getKey();
      }
    }
    return "syscall " + nr;
  }

  /** The CPU executed {@code syscall}: rcx and r11 are already clobbered; rax is the number. */
  @Override
  public void syscall() {
    hw.counters().syscalls++;
    RegisterFile r = hw.regs();
    TaskImage t = hw.current();
    long nr = r.get(Reg.RAX);
    long a0 = r.get(Reg.RDI);
    long a1 = r.get(Reg.RSI);
    if (hw.timeline()) {
      hw.report(new Event.KernelEntry(hw.now(), hw.cpu(), syscallName(nr), "rdi 0x" + Long.toHexString(a0) + ", rsi 0x" + Long.toHexString(a1)));
    }
    if (nr == Constants.SYS_getpid) {
      ret(t.pid());
    } else if (nr == Constants.SYS_gettid) {
      ret(t.tid());
    } else if (nr == Constants.SYS_sched_yield) {
      r.set(Reg.RAX, 0);
      schedule();
    } else if (nr == Constants.SYS_fork || nr == Constants.SYS_PROC_FORK) {
      Fork.sysFork(hw, t, this::ret);
    } else if (nr == Constants.SYS_clone) {
      clone(t, a0, a1);
    } else if (nr == Constants.SYS_exit) {
      exit(a0, false, null);
    } else if (nr == Constants.SYS_exit_group) {
      exit(a0, true, null);
    } else if (nr == Constants.SYS_wait4) {
      wait4(t, a0, a1);
    } else if (nr == Constants.SYS_mmap) {
      long prot = r.get(Reg.RDX);
      long flags = r.get(Reg.R10);
      long mm = hw.cr3();
      // vm_mmap_pgoff: mmap_write_lock_killable around do_mmap
      MmapLock.write(
          hw,
          mm,
          () ->
              hw.call(
                  tag -> new KernelState.Mmap(tag, t.pid(), a0, a1, prot, flags),
                  res -> MmapLock.writeUnlock(hw, mm, () -> ret(((KernelState.Result) res).value()))));
    } else if (nr == Constants.SYS_munmap) {
      rangeSyscall(
          "munmap",
          a0,
          a1,
          tag -> new KernelState.Munmap(tag, t.pid(), a0, a1),
          (l, done) -> AddressSpaces.unmapPages(hw, hw.cr3(), l.vmas(), munmapFlush(), l.whole(), done));
    } else if (nr == Constants.SYS_mprotect) {
      long prot = r.get(Reg.RDX);
      rangeSyscall(
          "mprotect",
          a0,
          a1,
          tag -> new KernelState.Mprotect(tag, t.pid(), a0, a1, prot),
          (l, done) -> {
            if (hw.policy().mistake() == Mistake.MPROTECT_FLUSH_FIRST) { // MISTAKE: flushed before the PTEs change
              TlbFlush.after(hw, mprotectFlush(), hw.cr3(), AddressSpaces.flushList(l.vmas(), hw.policy().flushCeiling()), () -> AddressSpaces.protectPages(hw, hw.cr3(), l.vmas(), done));
              return;
            }
            // change_protection: flush_tlb_range only when a PTE needed it (tlb.flush-unchanged = never)
            AddressSpaces.protectPages(
                hw,
                hw.cr3(),
                l.vmas(),
                lost -> {
                  if (!lost && !hw.policy().get(Knob.TLB_FLUSH_UNCHANGED)) {
                    done.run();
                    return;
                  }
                  TlbFlush.after(hw, mprotectFlush(), hw.cr3(), AddressSpaces.flushList(l.vmas(), hw.policy().flushCeiling()), done);
                });
          });
    } else if (nr == Constants.SYS_madvise) {
      madvise(t, a0, a1, r.get(Reg.RDX));
    } else if (nr == Constants.SYS_arch_prctl) {
      archPrctl(r, a0, a1);
    } else if (nr == Constants.SYS_getrusage) {
      getrusage(t, a0, a1);
    } else if (nr == Constants.SYS_pipe2 || nr == Constants.SYS_pipe) {
      PipeCalls.pipe2(hw, t, a0, nr == Constants.SYS_pipe ? 0 : a1, this::ret);
    } else if (nr == Constants.SYS_vmsplice) {
      PipeCalls.vmsplice(hw, t, a0, a1, r.get(Reg.RDX), r.get(Reg.R10), this::ret);
    } else if (nr == Constants.SYS_read) {
      PipeCalls.read(hw, t, a0, a1, r.get(Reg.RDX), this::ret);
    } else if (nr == Constants.SYS_write && (a0 == 1 || a0 == 2)) {
      write(t, a0, a1, r.get(Reg.RDX)); // the process's output
    } else if (nr == Constants.SYS_write) {
      PipeCalls.write(hw, t, a0, a1, r.get(Reg.RDX), this::ret); // a pipe's write end, else -EBADF
    } else if (nr == Constants.SYS_close) {
      PipeCalls.close(hw, t, a0, this::ret);
    } else if (nr == Constants.SYS_openat) {
      GupTestDevice.openat(hw, t, a0, a1, this::ret); // only /sys/kernel/debug/gup_test exists
    } else if (nr == Constants.SYS_ioctl) {
      GupTestDevice.ioctl(hw, t, a0, a1, r.get(Reg.RDX), this::ret);
    } else if (nr == Constants.SYS_sched_setaffinity) {
      hw.call(
          tag -> new KernelState.SetAffinity(tag, t.tid(), a0, a1),
          res -> {
            long v = ((KernelState.Result) res).value();
            boolean self = a0 == 0 || a0 == t.tid();
            if (v == 0 && self && a1 != hw.cpu()) {
              r.set(Reg.RAX, 0);
              schedule(); // migrate now: the kernel queues it on its new CPU
            } else {
              ret(v);
            }
          });
    } else {
      ret(-Errno.ENOSYS);
    }
  }

  /**
   * munmap and mprotect: the kernel's tables cut or change the VMAs, then the page work runs
   * here as one operation on the address space, reported to the oracles, and rax = 0. Under
   * mmap_lock taken for writing, from before the VMAs change to after the flush
   * (__vm_munmap: mmap_write_lock_killable ... do_vmi_munmap; do_mprotect_pkey:
   * mmap_write_lock_killable ... mprotect_fixup), released on the error return too.
   */
  private void rangeSyscall(
      String what,
      long addr,
      long length,
      java.util.function.LongFunction<KernelState.Request> request,
      java.util.function.BiConsumer<KernelState.VmaList, Runnable> pageWork) {
    long cr3 = hw.cr3();
    MmapLock.write(
        hw,
        cr3,
        () ->
            hw.call(
                request,
                res -> {
                  if (res instanceof KernelState.Result nothing) { // mprotect of length 0: 0 at once
                    MmapLock.writeUnlock(hw, cr3, () -> ret(nothing.value()));
                    return;
                  }
                  KernelState.VmaList l = (KernelState.VmaList) res;
                  if (l.error() != 0) {
                    MmapLock.writeUnlock(hw, cr3, () -> ret(l.error()));
                    return;
                  }
                  long end = addr + VmaCalls.pageAlign(length);
                  hw.report(new Event.OpBegin(hw.now(), hw.cpu(), cr3, what, addr, end));
                  pageWork.accept(
                      l,
                      () -> {
                        hw.report(new Event.OpEnd(hw.now(), hw.cpu(), cr3, what, addr, end));
                        MmapLock.writeUnlock(hw, cr3, () -> ret(0));
                      });
                }));
  }

  /**
   * madvise (do_madvise), under mmap_lock taken for READING (madvise_need_mmap_write is false for
   * MADV_DONTNEED and the no-op advice). MADV_DONTNEED zaps the range as
   * madvise_dontneed_single_vma -> zap_page_range does: tlb_gather_mmu, unmap the PTEs and gather
   * their frames, tlb_finish_mmu: flush the other CPUs (tlb.munmap's flush) and only then drop the
   * references (tlb.free-after-flush). With {@code tlb.nested-flush} (Linux 4.13, "mm: fix
   * MADV_[FREE|DONTNEED] TLB flush miss problem"): tlb_gather_mmu's inc_tlb_flush_pending, and at
   * tlb_finish_mmu {@code force = mm_tlb_flush_nested(mm)} (another gather pending on this mm) makes
   * the flush cover the whole range even if this walk cleared nothing, then dec_tlb_flush_pending.
   * Without it (linux-4.12) a walk that finds the PTEs already cleared by a concurrent madvise
   * flushes nothing and returns while the other's flush is still in flight. The other advice the
   * model accepts (normal, random, sequential, willneed) is a no-op with the same checks.
   */
  private void madvise(TaskImage t, long addr, long length, long advice) {
    long cr3 = hw.cr3();
    MmapLock.read(
        hw,
        cr3,
        () ->
            hw.call(
                tag -> new KernelState.Madvise(tag, t.pid(), addr, length, advice),
                res -> {
                  if (res instanceof KernelState.Result nothing) {
                    MmapLock.readUnlock(hw, cr3, () -> ret(nothing.value()));
                    return;
                  }
                  KernelState.VmaList l = (KernelState.VmaList) res;
                  if (advice != Constants.MADV_DONTNEED || l.vmas().isEmpty()) {
                    MmapLock.readUnlock(hw, cr3, () -> ret(l.error()));
                    return;
                  }
                  long end = addr + VmaCalls.pageAlign(length);
                  hw.report(new Event.OpBegin(hw.now(), hw.cpu(), cr3, "madvise", addr, end));
                  boolean nested = hw.policy().get(Knob.TLB_NESTED_FLUSH);
                  Runnable finish = () -> {
                    hw.report(new Event.OpEnd(hw.now(), hw.cpu(), cr3, "madvise", addr, end));
                    MmapLock.readUnlock(hw, cr3, () -> ret(l.error()));
                  };
                  if (!nested) {
                    AddressSpaces.unmapPages(hw, cr3, l.vmas(), munmapFlush(), false, null, finish);
                    return;
                  }
                  // tlb_gather_mmu: inc_tlb_flush_pending(mm)
                  flushPending(cr3, 1, ignored ->
                      AddressSpaces.unmapPages(
                          hw,
                          cr3,
                          l.vmas(),
                          munmapFlush(),
                          false,
                          force -> {
                            if (hw.policy().mistake() == Mistake.MADVISE_NO_NESTED_FLUSH) { // MISTAKE: no mm_tlb_flush_nested check
                              force.accept(false);
                              return;
                            }
                            // tlb_finish_mmu: mm_tlb_flush_nested(mm) = atomic_read(&mm->tlb_flush_pending) > 1
                            flushPending(cr3, 0, pending -> force.accept(pending > 1));
                          },
                          // dec_tlb_flush_pending(mm), after the flush and the frees
                          () -> flushPending(cr3, -1, ignored2 -> finish.run())));
                }));
  }

  /** mm->tlb_flush_pending += delta; k gets the new value (one request to the kernel's tables). */
  private void flushPending(long cr3, long delta, java.util.function.LongConsumer k) {
    hw.call(tag -> new KernelState.FlushPending(tag, cr3, delta), r -> k.accept(((KernelState.Result) r).value()));
  }

  /** Who munmap flushes. */
  private KernelPolicy.Flush munmapFlush() {
    if (hw.policy().mistake() == Mistake.MUNMAP_NO_FLUSH) { // MISTAKE: no flush at all
      return KernelPolicy.Flush.NONE;
    }
    return hw.policy().munmapFlush();
  }

  /** Who mprotect flushes. */
  private KernelPolicy.Flush mprotectFlush() {
    KernelPolicy.Flush how = hw.policy().mprotectFlush();
    if (hw.policy().mistake() == Mistake.MPROTECT_NO_SHOOTDOWN && how == KernelPolicy.Flush.MM_CPUS) { // MISTAKE: this CPU only
      return KernelPolicy.Flush.LOCAL;
    }
    return how;
  }

  /**
   * wait4's store of the status word into user memory: through this CPU's MMU, resolving a
   * copy-on-write page first like a user store (put_user).
   */
  private void putStatus(long addr, long status, java.util.function.Consumer<Boolean> k) {
    if (hw.policy().mistake() == Mistake.WAIT4_RAW_STATUS) { // MISTAKE: straight into the PTE's frame
      long page = addr & ~0xfffL;
      PageTables.translate(
          hw,
          hw.cr3(),
          page,
          leaf -> {
            if (!leaf.mapped4k()) {
              hw.copyToUser(addr, status, k); // not mapped yet: the slow path faults it in
              return;
            }
            hw.write((cowsim.machine.mmu.Pte.frame(leaf.entry()) << 12) | (addr & 0xfff), status, () -> k.accept(true));
          });
      return;
    }
    hw.copyToUser(addr, status, k);
  }

  private void ret(long value) {
    hw.regs().set(Reg.RAX, value);
    hw.enterUser();
  }

  private void clone(TaskImage t, long flags, long stack) {
    if ((flags & Constants.CLONE_VM) == 0) {
      Fork.sysFork(hw, t, this::ret); // clone without CLONE_VM is a fork
      return;
    }
    if (stack == 0) {
      ret(-Errno.EINVAL);
      return;
    }
    RegisterFile child = hw.regs().copy();
    child.set(Reg.RAX, 0);
    child.set(Reg.RSP, stack);
    hw.call(
        tag -> new KernelState.NewThread(tag, t.tid(), child),
        res -> {
          if (res instanceof KernelState.Result created) {
            ret(created.value());
          } else {
            dispatched(res); // killed by its group's exit meanwhile: it ended, no thread was made
          }
        });
  }

  private void wait4(TaskImage t, long pid, long statusAddr) {
    long target = pid == 0 ? -1 : pid;
    RegisterFile saved = hw.regs().copy();
    hw.call(
        tag -> new KernelState.Wait(tag, hw.cpu(), t.tid(), saved, target, statusAddr, hw.minflt()),
        res -> {
          if (!(res instanceof KernelState.Result done)) {
            dispatched(res); // blocked: another task (or idle) runs here now
            return;
          }
          if (done.value() > 0 && statusAddr != 0) {
            putStatus(statusAddr, done.extra(), ok -> ret(ok ? done.value() : -Errno.EFAULT));
          } else {
            ret(done.value());
          }
        });
  }

  private void archPrctl(RegisterFile r, long code, long addr) {
    if (code == Constants.ARCH_SET_FS) {
      r.fsBase = addr;
      ret(0);
    } else if (code == Constants.ARCH_GET_FS) {
      hw.copyToUser(addr, r.fsBase, ok -> ret(ok ? 0 : -Errno.EFAULT));
    } else {
      ret(-Errno.EINVAL);
    }
  }

  // ------------------------------------------------------------------ getrusage and write

  /** sizeof(struct rusage) on x86-64: two struct timevals and 14 longs. */
  static final int RUSAGE_SIZE = 144;
  /** offsetof(struct rusage, ru_minflt); ru_majflt follows at 72. */
  static final int RU_MINFLT = 64;

  /**
   * getrusage(who, usage) after kernel/sys.c's SYSCALL_DEFINE2(getrusage): RUSAGE_THREAD is the
   * calling thread's min_flt, RUSAGE_SELF the process's (its exited threads' plus every live
   * thread's, through the kernel's tables: {@link KernelState.Rusage}); anything else, RUSAGE_CHILDREN
   * included (not modelled), -EINVAL. The struct is filled first and then copied out
   * (copy_to_user), so a fault of that copy counts after the value was taken, as in Linux. Only
   * ru_minflt is modelled; ru_majflt (72) and every other field are 0 (no times, no RSS). A
   * sibling running on another CPU right now counts as of its last switch-out (cowsim keeps a
   * running task's count on its CPU; Linux reads it live).
   */
  private void getrusage(TaskImage t, long who, long addr) {
    if (who == Constants.RUSAGE_THREAD) {
      copyRusage(addr, hw.minflt());
    } else if (who == Constants.RUSAGE_SELF) {
      long own = hw.minflt();
      hw.call(tag -> new KernelState.Rusage(tag, t.tid(), own), res -> copyRusage(addr, ((KernelState.Result) res).value()));
    } else {
      ret(-Errno.EINVAL);
    }
  }

  /** copy_to_user of the whole struct, one 8-byte store after another; -EFAULT at the first that fails. */
  private void copyRusage(long addr, long minflt) {
    Async.loop(
        0,
        RUSAGE_SIZE / 8,
        (i, next) ->
            hw.copyToUser(addr + 8L * i, 8 * i == RU_MINFLT ? minflt : 0, ok -> {
              if (ok) {
                next.run();
              } else {
                ret(-Errno.EFAULT);
              }
            }),
        () -> ret(0));
  }

  /** The most one write copies (Linux caps a write at MAX_RW_COUNT; this is smaller): a short write. */
  static final long WRITE_MAX = 64 * 1024;

  /**
   * write(fd, buf, count): fd 1 and 2 go to the process's output ({@link #writeStdio}); no
   * other fd exists yet: -EBADF (fdget fails in ksys_write).
   */
  private void write(TaskImage t, long fd, long buf, long count) {
    if (fd == 1 || fd == 2) {
      writeStdio(t, (int) fd, buf, count);
    } else {
      ret(-Errno.EBADF);
    }
  }

  /**
   * write to stdout or stderr: copy_from_user of the aligned 8-byte words covering [buf, buf +
   * count) (cowsim's memory accesses are aligned qwords), then the bytes to the kernel's tables,
   * kept as the process's output; returns count (at most {@link #WRITE_MAX}, a short write
   * beyond). count 0 returns 0 and reads nothing; a count with the top bit set is -EINVAL
   * (vfs_write -> rw_verify_area: (ssize_t) count < 0); an unreadable buffer -EFAULT, and nothing
   * is written.
   */
  private void writeStdio(TaskImage t, int fd, long buf, long count) {
    if (count < 0) {
      ret(-Errno.EINVAL);
      return;
    }
    int n = (int) Math.min(count, WRITE_MAX);
    if (n == 0) {
      ret(0);
      return;
    }
    byte[] bytes = new byte[n];
    long first = buf & ~7L;
    long last = (buf + n - 1) & ~7L;
    Async.loop(
        0,
        (int) ((last - first) / 8 + 1),
        (i, next) -> {
          long word = first + 8L * i;
          hw.copyFromUser(word, v -> {
            if (v == null) {
              ret(-Errno.EFAULT);
              return;
            }
            for (int b = 0; b < 8; b++) {
              long at = word + b - buf;
              if (at >= 0 && at < n) {
                bytes[(int) at] = (byte) (v >>> (8 * b)); // little-endian
              }
            }
            next.run();
          });
        },
        () -> hw.call(tag -> new KernelState.Output(tag, t.pid(), fd, bytes), res -> ret(n)));
  }
}
