package cowsim.check;

import java.util.ArrayList;
import java.util.List;

/**
 * Every kind of violation the oracles report, declared once: its name in scenario files, reports
 * and on the command line, and what it means. {@code Expect}, the verdict, explore's failure
 * classes and the README's oracle table all read this list.
 */
public enum ViolationKind {
  COW_ISOLATION("cow-isolation", "an address space saw or changed memory that copy-on-write should have made private"),
  STALE_READ("stale-read", "a load returned something other than the address space's last store there: a write was lost"),
  STALE_TLB("stale-tlb", "a load or store went through a TLB entry the kernel changed and should have flushed"),
  USE_AFTER_FREE("use-after-free", "a frame was used (by a user access, the kernel or the walker) while free, or through a TLB entry older than its reuse"),
  DOUBLE_FREE("double-free", "a frame the oracle's shadow of the allocator holds as free (or a kernel frame) was freed"),
  REFCOUNT_UNDERFLOW("refcount-underflow", "a frame's refcount was decremented from 0 and wrapped"),
  REFCOUNT_MISMATCH("refcount-mismatch", "at the end a frame's refcount (or, on the linux paths, its map count) differs from the number of live PTEs that map it, or a frame is freed with a map count other than 0"),
  FRAME_LEAK("frame-leak", "at the end a frame is allocated but no live address space, page table or kernel structure holds it"),
  KERNEL_FRAME_ACCESS("kernel-frame-access", "a user load or store reached a kernel frame: a page table, the shootdown ack words or another reserved frame"),
  WILD_ACCESS("wild-access", "an access went to a physical address beyond the end of memory"),
  REFAULT_LOOP("refault-loop", "a task faulted on one page too often without making progress"),
  DEADLOCK("deadlock", "no CPU can make progress (nothing left to deliver, or a CPU stuck spinning on a kernel lock) while tasks are unfinished"),
  ASSERTION("assertion", "a program's assert failed");

  /** The name used in files, reports and flags. */
  public final String key;

  /** One line: what it means. */
  public final String doc;

  ViolationKind(String key, String doc) {
    this.key = key;
    this.doc = doc;
  }

  /** The kind with this name, or null. */
  public static ViolationKind of(String key) {
    for (ViolationKind k : values()) {
      if (k.key.equals(key)) {
        return k;
      }
    }
    return null;
  }

  /** Every name, in declaration order. */
  public static List<String> keys() {
    List<String> out = new ArrayList<>();
    for (ViolationKind k : values()) {
      out.add(k.key);
    }
    return List.copyOf(out);
  }

  @Override
  public String toString() {
    return key;
  }
}
