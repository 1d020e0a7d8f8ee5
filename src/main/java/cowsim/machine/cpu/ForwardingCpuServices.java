package cowsim.machine.cpu;

import cowsim.isa.RegisterFile;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.observe.Event;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * A view of a CPU that adds its own steps on top of another one's services and hands every
 * service it does not override to {@link #services()}: the kernel's per-CPU view builds on the
 * machine's {@link KernelPort} this way, so the forwarding is written once, here.
 */
public interface ForwardingCpuServices extends CpuServices {

  /** The services this view forwards to. */
  CpuServices services();

  @Override
  default int cpu() {
    return services().cpu();
  }

  @Override
  default int cpuCount() {
    return services().cpuCount();
  }

  @Override
  default long now() {
    return services().now();
  }

  @Override
  default Latencies lat() {
    return services().lat();
  }

  @Override
  default void read(long paddr, LongConsumer k) {
    services().read(paddr, k);
  }

  @Override
  default void write(long paddr, long value, Runnable k) {
    services().write(paddr, value, k);
  }

  @Override
  default void readFrame(long frame, Consumer<long[]> k) {
    services().readFrame(frame, k);
  }

  @Override
  default void writeFrame(long frame, long[] data, Runnable k) {
    services().writeFrame(frame, data, k);
  }

  @Override
  default void refAdd(long frame, int delta, LongConsumer k) {
    services().refAdd(frame, delta, k);
  }

  @Override
  default void refGet(long frame, LongConsumer k) {
    services().refGet(frame, k);
  }

  @Override
  default void auxAdd(long frame, long delta, LongConsumer k) {
    services().auxAdd(frame, delta, k);
  }

  @Override
  default void auxGet(long frame, LongConsumer k) {
    services().auxGet(frame, k);
  }

  @Override
  default void auxBits(long frame, long set, long clear, LongConsumer k) {
    services().auxBits(frame, set, clear, k);
  }



  @Override
  default void allocate(int order, LongConsumer k) {
    services().allocate(order, k);
  }

  @Override
  default void free(long frame, int order, Runnable k) {
    services().free(frame, order, k);
  }

  @Override
  default void split(long frame, int order, Runnable k) {
    services().split(frame, order, k);
  }

  @Override
  default void invlpg(long va) {
    services().invlpg(va);
  }

  @Override
  default void writeCr3(long pml4Frame) {
    services().writeCr3(pml4Frame);
  }

  @Override
  default long cr3() {
    return services().cr3();
  }

  @Override
  default void shootdown(int[] targets, long[] pages, Runnable k) {
    services().shootdown(targets, pages, k);
  }

  @Override
  default RegisterFile regs() {
    return services().regs();
  }

  @Override
  default void enterUser() {
    services().enterUser();
  }

  @Override
  default void becomeIdle() {
    services().becomeIdle();
  }

  @Override
  default boolean logEnabled() {
    return services().logEnabled();
  }

  @Override
  default void log(String format, Object... args) {
    services().log(format, args);
  }

  @Override
  default void report(Event e) {
    services().report(e);
  }

  @Override
  default boolean timeline() {
    return services().timeline();
  }
}
