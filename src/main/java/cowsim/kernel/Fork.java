package cowsim.kernel;

import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import java.util.function.LongConsumer;

/**
 * strat9's {@code sys_fork} and {@code build_child_task} (fork.rs): refuse kernel threads
 * (-EPERM) and tasks with no user mappings (-EINVAL), clone the address space copy-on-write
 * (-ENOMEM on failure), then build the child from the parent's syscall frame: every register
 * restored, rax = 0, FS base 0, resuming at the same rip; the parent gets the child's pid.
 */
public final class Fork {

  private Fork() {}

  /** @param k gets the value for the parent's rax */
  public static void sysFork(Hardware hw, TaskImage parent, LongConsumer k) {
    if (parent.kernelThread()) {
      hw.log("fork: attempt to fork kernel thread '{}'", parent.name());
      k.accept(-Errno.EPERM);
      return;
    }
    long mm = hw.cr3();
    // dup_mmap: mmap_write_lock_killable(oldmm) before the VMAs are read, held over the whole
    // of clone_cow, its final flush included, and dropped before the child is made runnable
    // (mmap_write_unlock(oldmm) at the end of dup_mmap, before wake_up_new_task)
    MmapLock.write(
        hw,
        mm,
        () ->
            hw.call(
                tag -> new KernelState.GetVmas(tag, parent.pid()),
                reply -> {
                  KernelState.VmaList vmas = (KernelState.VmaList) reply;
                  if (vmas.vmas().isEmpty()) {
                    hw.log("fork: attempt to fork task '{}' with no user mappings", parent.name());
                    MmapLock.writeUnlock(hw, mm, () -> k.accept(-Errno.EINVAL));
                    return;
                  }
                  hw.log("fork: pid {} clone_cow over {} VMAs", parent.pid(), vmas.vmas().size());
                  AddressSpaces.cloneCow(
                      hw,
                      mm,
                      vmas.vmas(),
                      childPml4 ->
                          MmapLock.writeUnlock(
                              hw,
                              mm,
                              () -> {
                                if (childPml4 < 0) {
                                  k.accept(-Errno.ENOMEM);
                                  return;
                                }
                                RegisterFile child = childContext(hw.regs(), hw.policy().childFsBaseInherit());
                                hw.counters().forks++;
                                hw.call(
                                    tag -> new KernelState.NewProcess(tag, parent.tid(), childPml4, vmas.vmas(), child),
                                    created -> k.accept(((KernelState.Result) created).value()));
                              }));
                }));
  }

  /**
   * fork_iret_from_ctx: the child's registers are the parent's syscall frame, rax = 0, and the
   * FS base starts at 0 (strat9; Linux copies it).
   */
  public static RegisterFile childContext(RegisterFile parentFrame) {
    return childContext(parentFrame, false);
  }

  /** As above; {@code fork.child-fs-base = inherit} keeps the parent's FS base (Linux). */
  public static RegisterFile childContext(RegisterFile parentFrame, boolean inheritFsBase) {
    RegisterFile child = parentFrame.copy();
    child.set(Reg.RAX, 0);
    if (!inheritFsBase) {
      child.fsBase = 0;
    }
    return child;
  }
}
