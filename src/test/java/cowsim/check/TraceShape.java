package cowsim.check;

import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The shape of an event stream, as the Rig and the machine must agree on it: each event as one
 * line with its kind, CPU and the facts that matter (operation names and ranges, virtual
 * addresses, values, refcount deltas, TLB flags), without cycles, and with physical frames
 * renamed in order of first appearance ({@code F0}, {@code F1}, ...; the kernel's reserved frames
 * keep their numbers: {@code K1} is the kernel PML4, {@code K3} the shootdown ack words). Two
 * streams have the same shape when they do the same things in the same order to the same pages,
 * whatever frame numbers the allocators handed out.
 *
 * <p>The one timing-dependent part is collapsed: an initiator polling an ack word reads it as
 * many times as the IPI's flight takes, so consecutive identical kernel reads of a reserved frame
 * are one line.
 */
final class TraceShape {

  private final long reserved;
  private final Map<Long, Integer> names = new HashMap<>();

  private TraceShape(long reserved) {
    this.reserved = reserved;
  }

  /** The shape of these events (frames named afresh for this list). */
  static List<String> of(List<Event> events) {
    return new TraceShape(Rig.RESERVED).lines(events);
  }

  /** One line per event, the shape's text (for assertEquals with a readable diff). */
  static String text(List<Event> events) {
    return String.join("\n", of(events));
  }

  // ------------------------------------------------------------------ windows

  /** The events of one CPU, and the kernel's own (cpu -1: the VMA cut of munmap). */
  static List<Event> onCpu(List<Event> all, int cpu) {
    return all.stream().filter(e -> e.cpu() == cpu || e.cpu() == -1).toList();
  }

  /** A user load or store (a kernel copy-to-user included) at exactly this virtual address. */
  static Predicate<Event> userAccess(long va) {
    return e -> {
      Event.Access a = access(e);
      return a != null && a.user() && a.va() == va;
    };
  }

  static Predicate<Event> kind(Class<? extends Event> k) {
    return k::isInstance;
  }

  /**
   * The events strictly after the first one {@code from} matches, through the first one after it
   * that {@code to} matches (inclusive).
   */
  static List<Event> between(List<Event> events, Predicate<Event> from, Predicate<Event> to) {
    int start = indexOf(events, 0, from);
    if (start < 0) {
      throw new AssertionError("no start marker in " + events.size() + " events");
    }
    int end = indexOf(events, start + 1, to);
    if (end < 0) {
      throw new AssertionError("no end marker after event " + start + ": " + events.get(start));
    }
    return events.subList(start + 1, end + 1);
  }

  /** From the start of the list through the first event {@code to} matches. */
  static List<Event> upTo(List<Event> events, Predicate<Event> to) {
    int end = indexOf(events, 0, to);
    if (end < 0) {
      throw new AssertionError("no end marker in " + events.size() + " events");
    }
    return events.subList(0, end + 1);
  }

  static int indexOf(List<Event> events, int from, Predicate<Event> p) {
    for (int i = from; i < events.size(); i++) {
      if (p.test(events.get(i))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * A shootdown across CPUs, in global order: the IPIs, the flushes they cause, the ack words
   * written and found set, and the initiator's end of the wait, from the first IpiSent through
   * the last of these. Polls that found an ack word still clear are left out (how many there are
   * depends on the IPI's flight, and when they interleave with the target's flush).
   */
  static List<Event> shootdown(List<Event> all) {
    List<Event> out = new ArrayList<>();
    boolean started = false;
    for (Event e : all) {
      started |= e instanceof Event.IpiSent;
      if (!started) {
        continue;
      }
      if (e instanceof Event.IpiSent
          || e instanceof Event.ShootdownDone
          || e instanceof Event.TlbFlush f && f.why().startsWith("flush IPI")
          || e instanceof Event.MemWrite w && w.access() == null && ackWord(w.paddr())
          || e instanceof Event.MemRead r && r.access() == null && ackWord(r.paddr()) && r.value() != 0) {
        out.add(e);
      }
    }
    return out;
  }

  /** strat9's ack words: one per CPU, 8 frames from ACK_FLAGS on (room for 4096 CPUs). */
  private static boolean ackWord(long paddr) {
    long f = paddr >>> 12;
    return f >= Rig.ACK_FLAGS && f < Rig.ACK_FLAGS + 8;
  }

  // ------------------------------------------------------------------ lines

  private List<String> lines(List<Event> events) {
    List<String> out = new ArrayList<>();
    String last = null;
    for (Event e : events) {
      String line = line(e);
      boolean poll = e instanceof Event.MemRead r && r.access() == null && r.paddr() >>> 12 < reserved;
      if (poll && line.equals(last)) {
        continue;
      }
      out.add(line);
      last = line;
    }
    return out;
  }

  private static Event.Access access(Event e) {
    if (e instanceof Event.MemRead r) {
      return r.access();
    }
    if (e instanceof Event.MemWrite w) {
      return w.access();
    }
    return null;
  }

  private String line(Event e) {
    String c = e.cpu() < 0 ? "kernel " : "cpu-" + e.cpu() + " ";
    if (e instanceof Event.MemRead r) {
      Event.Access a = r.access();
      if (a == null) {
        return c + "kread " + addr(r.paddr()) + " = " + word(r.paddr(), r.value());
      }
      if (!a.user()) {
        return c + "walk " + addr(r.paddr()) + " = " + entry(r.value());
      }
      return c + "load " + who(a) + " " + hex(a.va()) + " " + addr(r.paddr()) + " = " + r.value();
    }
    if (e instanceof Event.MemWrite w) {
      Event.Access a = w.access();
      if (a == null) {
        return c + "kwrite " + addr(w.paddr()) + " = " + word(w.paddr(), w.value()) + " (was " + word(w.paddr(), w.old()) + ")";
      }
      return c + "store " + who(a) + " " + hex(a.va()) + " " + addr(w.paddr()) + " = " + w.value() + " (was " + w.old() + ")";
    }
    if (e instanceof Event.MemCas m) {
      return c + "cas " + addr(m.paddr()) + " " + entry(m.expected()) + " -> " + entry(m.value()) + " (was " + entry(m.old()) + ")";
    }
    if (e instanceof Event.WildAccess w) {
      return c + "wild " + hex(w.paddr()) + " " + w.what();
    }
    if (e instanceof Event.FrameRead r) {
      return c + "read-frame " + frame(r.frame());
    }
    if (e instanceof Event.FrameWrite w) {
      return c + "write-frame " + frame(w.frame()) + (w.source() < 0 ? " zero" : " copy of " + frame(w.source()));
    }
    if (e instanceof Event.RefChange r) {
      return c + "ref " + frame(r.frame()) + " " + r.old() + (r.delta() >= 0 ? " +" : " ") + r.delta();
    }
    if (e instanceof Event.RefRead r) {
      return c + "ref-read " + frame(r.frame()) + " = " + r.value();
    }
    if (e instanceof Event.Alloc a) {
      return c + "alloc " + frame(a.frame());
    }
    if (e instanceof Event.Free f) {
      return c + "free " + frame(f.frame()) + " " + f.result();
    }
    if (e instanceof Event.TlbUse u) {
      return c + "tlb-hit " + space(u.cr3()) + " pid " + u.pid() + " tid " + u.tid() + " " + hex(u.va()) + " " + frame(u.frame()) + (u.write() ? " write" : " read");
    }
    if (e instanceof Event.TlbFill f) {
      return c + "tlb-fill " + space(f.cr3()) + " " + hex(f.va()) + " " + frame(f.frame()) + (f.writable() ? " rw" : " ro");
    }
    if (e instanceof Event.Invlpg i) {
      return c + "invlpg " + space(i.cr3()) + " " + hex(i.va()) + " (" + i.why() + ")";
    }
    if (e instanceof Event.TlbFlush f) {
      return c + "tlb-flush (" + f.why() + ")";
    }
    if (e instanceof Event.IpiSent i) {
      return c + "ipi to cpu-" + i.target();
    }
    if (e instanceof Event.ShootdownDone d) {
      return c + "shootdown done, " + d.missing() + " acks missing";
    }
    if (e instanceof Event.OpBegin o) {
      return c + "begin " + o.what() + " " + space(o.cr3()) + " " + range(o.start(), o.end());
    }
    if (e instanceof Event.OpEnd o) {
      return c + "end " + o.what() + " " + space(o.cr3()) + " " + range(o.start(), o.end());
    }
    if (e instanceof Event.RootCreated r) {
      return c + "root " + space(r.cr3());
    }
    if (e instanceof Event.ProcessSpace p) {
      return c + "process-space pid " + p.pid() + " " + space(p.cr3()) + " parent " + (p.parentCr3() < 0 ? "none" : space(p.parentCr3()));
    }
    if (e instanceof Event.SpaceGone g) {
      return c + "space-gone pid " + g.pid() + " " + space(g.cr3());
    }
    if (e instanceof Event.Unmapped u) {
      return c + "unmapped " + space(u.cr3()) + " " + range(u.start(), u.end());
    }
    return c + e.getClass().getSimpleName();
  }

  private static String who(Event.Access a) {
    return (a.kernel() ? "(kernel for) " : "") + "pid " + a.pid() + " tid " + a.tid() + (a.tlbHit() ? " hit" : "");
  }

  private String frame(long f) {
    if (f >= 0 && f < reserved) {
      return "K" + f;
    }
    return "F" + names.computeIfAbsent(f, x -> names.size());
  }

  private String space(long cr3) {
    return "cr3 " + frame(cr3);
  }

  private String addr(long paddr) {
    return frame(paddr >>> 12) + "+" + hex(paddr & 0xfff);
  }

  /** A word the kernel reads or writes: an ack word as it is, anything else a table entry. */
  private String word(long paddr, long v) {
    return ackWord(paddr) ? Long.toString(v) : entry(v);
  }

  private String entry(long e) {
    if (e == 0) {
      return "0";
    }
    StringBuilder sb = new StringBuilder(Pte.present(e) ? frame(Pte.frame(e)) : hex(e));
    long flags = Pte.flags(e);
    String[] bits = {"P", "RW", "US", "PWT", "PCD", "A", "D", "PS", "G", "COW"};
    for (int i = 0; i < bits.length; i++) {
      if ((flags & (1L << i)) != 0) {
        sb.append(' ').append(bits[i]);
      }
    }
    if (Pte.nx(e)) {
      sb.append(" NX");
    }
    return sb.toString();
  }

  private static String range(long start, long end) {
    return "[" + hex(start) + ", " + hex(end) + ")";
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
