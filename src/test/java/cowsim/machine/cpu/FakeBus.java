package cowsim.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.interconnect.Address;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.Reply;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.memory.MemoryBank;
import cowsim.machine.mmu.Mmu;
import cowsim.machine.observe.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * A CPU's bus without an actor, for its units' tests: what they send is kept in {@link #sent}
 * (stamped with the clock, as the interconnect would), the one outstanding request is answered
 * by hand ({@link #answer}), and observations and log lines are kept. It is the MMU's host too:
 * walk steps are sent as the CPU sends them.
 */
final class FakeBus implements Bus, Mmu.Host {

  /** One packet handed to the interconnect. */
  record Sent(long time, int dst, long latency, Payload payload) {}

  static final Latencies LAT = new Latencies(1, 2, 10, 10, 20, 100, 50, 30, 500, 40, 60, 70, 5, 7, 64);

  final int cpu;
  final Topology topo;
  long now;
  boolean deterministic = true;
  boolean observing = true;
  final List<Sent> sent = new ArrayList<>();
  final List<Event> events = new ArrayList<>();
  final List<String> logs = new ArrayList<>();
  final List<Payload> cancelled = new ArrayList<>();
  final List<String> limits = new ArrayList<>();
  private long tagSeq;
  private long pendingTag = -1;
  private LongConsumer pendingLong;
  private Consumer<Reply> pendingReply;

  FakeBus(int cpu, Topology topo) {
    this.cpu = cpu;
    this.topo = topo;
  }

  // ---- the test's side ----

  /** The last packet sent, removed from {@link #sent}. */
  Sent take() {
    assertTrue(!sent.isEmpty(), "nothing was sent");
    return sent.remove(sent.size() - 1);
  }

  /** The first packet sent, removed from {@link #sent}. */
  Sent takeFirst() {
    assertTrue(!sent.isEmpty(), "nothing was sent");
    return sent.remove(0);
  }

  /** The payload of the first packet sent, of this type, removed. */
  <P extends Payload> P takeFirst(Class<P> type) {
    Sent s = takeFirst();
    assertTrue(type.isInstance(s.payload()), "expected a " + type.getSimpleName() + ", sent " + s.payload());
    return type.cast(s.payload());
  }

  boolean outstanding() {
    return pendingTag != -1;
  }

  /** Answer the outstanding request with one number (a memory bank's Value, after its latency). */
  void answer(long value) {
    assertNotNull(pendingLong, "no request waits for a number");
    LongConsumer k = pendingLong;
    pendingTag = -1;
    pendingLong = null;
    k.accept(value);
  }

  /** Answer the outstanding request whole. */
  void answer(Reply r) {
    assertNotNull(pendingReply, "no request waits for a whole answer");
    assertEquals(pendingTag, r.tag(), "the answer carries the request's tag");
    Consumer<Reply> k = pendingReply;
    pendingTag = -1;
    pendingReply = null;
    k.accept(r);
  }

  long tag() {
    return pendingTag;
  }

  // ---- Bus ----

  @Override
  public int cpu() {
    return cpu;
  }

  @Override
  public Topology topology() {
    return topo;
  }

  @Override
  public Latencies lat() {
    return LAT;
  }

  @Override
  public long now() {
    return now;
  }

  @Override
  public void spend(long cycles) {
    now += cycles;
  }

  @Override
  public boolean deterministic() {
    return deterministic;
  }

  @Override
  public <P extends Payload> void send(Address<P> to, long latency, P payload) {
    sent.add(new Sent(now, to.node(), latency, payload));
  }

  @Override
  public long expect(LongConsumer k) {
    assertEquals(-1, pendingTag, "a second request while one is outstanding");
    pendingTag = ++tagSeq;
    pendingLong = k;
    return pendingTag;
  }

  @Override
  public long expectReply(Consumer<Reply> k) {
    assertEquals(-1, pendingTag, "a second request while one is outstanding");
    pendingTag = ++tagSeq;
    pendingReply = k;
    return pendingTag;
  }

  @Override
  public void cancel(Payload timer) {
    cancelled.add(timer);
  }

  @Override
  public void limitReached(String what) {
    limits.add(what);
  }

  @Override
  public boolean observing() {
    return observing;
  }

  @Override
  public boolean timeline() {
    return observing;
  }

  @Override
  public void observe(Event e) {
    events.add(e);
  }

  @Override
  public boolean infoEnabled() {
    return true;
  }

  @Override
  public void info(String format, Object... args) {
    logs.add("INFO " + format);
  }

  @Override
  public void debug(String format, Object... args) {
    logs.add("DEBUG " + format);
  }

  @Override
  public void warn(String format, Object... args) {
    logs.add("WARN " + format);
  }

  // ---- the MMU's host: walk steps as the CPU sends them ----

  @Override
  public void readEntry(long paddr, LongConsumer k) {
    send(bankOf(paddr), LAT.walkStep(), new MemoryBank.Read(expect(k), paddr, Event.Access.WALK));
  }

  @Override
  public void compareAndSwap(long paddr, long expected, long value, LongConsumer k) {
    send(bankOf(paddr), LAT.walkStep(), new MemoryBank.CompareAndSwap(expect(k), paddr, expected, value));
  }

  /** The events of one type, in order. */
  <E extends Event> List<E> events(Class<E> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
