package cowsim.machine.cpu;

import cowsim.machine.interconnect.Address;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.Reply;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.observe.Event;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * What the units of one CPU (the user pipeline, the shootdown unit, kernel mode) use of the actor
 * they live in: its clock, the interconnect, the one outstanding request, the observer and the
 * log. {@link CpuActor} implements it; the units' tests drive them with a fake that records what
 * they send and answers by hand.
 */
interface Bus {

  int cpu();

  Topology topology();

  Latencies lat();

  /** This CPU's virtual clock. */
  long now();

  /** Advance the clock (work done without a message). */
  void spend(long cycles);

  /** Deterministic mode: a conductor delivers one packet at a time. */
  boolean deterministic();

  /** Send through the interconnect: arrives at {@code now() + latency}. */
  <P extends Payload> void send(Address<P> to, long latency, P payload);

  /** The tag of a request whose answer carries one number, which {@code k} gets. */
  long expect(LongConsumer k);

  /** The tag of a request whose answer {@code k} gets whole. */
  long expectReply(Consumer<Reply> k);

  /** Withdraw a timer sent earlier (the same payload object). */
  void cancel(Payload timer);

  /** Tell whoever runs the machine that a limit was reached here (concurrent mode ends on it). */
  void limitReached(String what);

  boolean observing();

  /** Whether the run records a timeline: the timeline-only events are built only then. */
  boolean timeline();

  void observe(Event e);

  boolean infoEnabled();

  void info(String format, Object... args);

  void debug(String format, Object... args);

  void warn(String format, Object... args);

  /** The memory bank that owns a physical address. */
  default Address<Payload.ToMemory> bankOf(long paddr) {
    return topology().toBankOf(paddr >>> 12);
  }

  /** This CPU (timers and Resume go to oneself). */
  default Address<Payload.ToCpu> self() {
    return topology().toCpu(cpu());
  }
}
