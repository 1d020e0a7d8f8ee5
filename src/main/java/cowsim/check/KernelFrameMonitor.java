package cowsim.check;

import cowsim.machine.observe.Event;

import static cowsim.check.Shadow.hex;

/**
 * {@code kernel-frame-access}: a user load or store reaches a frame the kernel owns (a reserved
 * frame: kernel page tables, the shootdown ack words; or a live page table of any address space).
 * No PTE a correct kernel writes lets user mode there. {@code wild-access}: a memory bank was asked
 * for a physical address beyond the end of memory.
 */
final class KernelFrameMonitor implements Monitor {

  private final Shadow shadow;
  private final Findings findings;

  KernelFrameMonitor(Shadow shadow, Findings findings) {
    this.shadow = shadow;
    this.findings = findings;
  }

  @Override
  public boolean check(Event e) {
    if (e instanceof Event.WildAccess w) {
      Event.Access a = w.access();
      boolean user = a != null && a.user();
      return findings.report(ViolationKind.WILD_ACCESS, w.cpu(), user ? a.pid() : 0, user ? a.tid() : 0, user ? a.va() : -1, w.paddr() >>> 12, w.cycle(),
          w.what() + " on cpu-" + w.cpu() + " went to physical address " + hex(w.paddr()) + ", beyond the end of memory",
          Findings.key("wild", w.cpu(), w.paddr() >>> 12), -1, null);
    }
    long paddr;
    Event.Access a;
    String what;
    if (e instanceof Event.MemRead r) {
      paddr = r.paddr();
      a = r.access();
      what = "load";
    } else if (e instanceof Event.MemWrite w) {
      paddr = w.paddr();
      a = w.access();
      what = "store";
    } else {
      return false;
    }
    if (a == null || !a.user()) {
      return false;
    }
    long frame = paddr >>> 12;
    if (frame == shadow.zeroFrame) {
      // the shared zero page: user mode may read it through the read-only PTEs the kernel gives
      // it, and no store may ever land in it (Linux maps it only read-only: a write fault copies)
      if (what.equals("load")) {
        return false;
      }
      Shadow.Mapping page = new Shadow.Mapping(shadow.space(a.cr3()).id, a.va() & ~0xfffL);
      return findings.report(ViolationKind.KERNEL_FRAME_ACCESS, e.cpu(), a.pid(), a.tid(), a.va(), frame, e.cycle(),
          "a user store by pid " + a.pid() + " at " + hex(a.va()) + " reached frame " + hex(frame) + ", the shared zero page every untouched page reads",
          Findings.key("kernel-frame", a.cr3(), a.va() & ~0xfffL, frame), frame, page);
    }
    String role = shadow.kernelRole(frame);
    if (role == null) {
      return false;
    }
    Shadow.Mapping page = new Shadow.Mapping(shadow.space(a.cr3()).id, a.va() & ~0xfffL);
    return findings.report(ViolationKind.KERNEL_FRAME_ACCESS, e.cpu(), a.pid(), a.tid(), a.va(), frame, e.cycle(),
        "a user " + what + " by pid " + a.pid() + " at " + hex(a.va()) + " reached frame " + hex(frame) + ", " + role,
        Findings.key("kernel-frame", a.cr3(), a.va() & ~0xfffL, frame), frame, page);
  }
}
