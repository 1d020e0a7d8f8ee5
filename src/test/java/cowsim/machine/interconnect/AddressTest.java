package cowsim.machine.interconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.net.URI;
import java.util.List;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Typed addresses: a message sent to the wrong kind of node does not compile. Checked by
 * compiling small nodes against the build's classes: each sends one payload to one address.
 */
class AddressTest {

  /** Compiles a node whose handler sends {@code payload} to {@code address}; the compiler's errors, or "". */
  private static String compileSend(String address, String payload) {
    String source =
        """
        package probe;
        import cowsim.machine.interconnect.*;
        import cowsim.machine.memory.*;
        import cowsim.machine.cpu.CpuActor;
        abstract class Sender extends Node<Payload.ToCpu> {
          Sender() { super(null, 0, null, null, null, Payload.ToCpu.class); }
          void go(Topology topo) { send(%s, 1, %s); }
        }
        """
            .formatted(address, payload);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> errors = new DiagnosticCollector<>();
    JavaFileObject file =
        new SimpleJavaFileObject(URI.create("string:///probe/Sender.java"), JavaFileObject.Kind.SOURCE) {
          @Override
          public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return source;
          }
        };
    List<String> options = List.of("-classpath", System.getProperty("java.class.path"), "-proc:none", "-d", System.getProperty("java.io.tmpdir") + "/cowsim-address-test");
    boolean ok = javac.getTask(new StringWriter(), null, errors, options, null, List.of(file)).call();
    StringBuilder out = new StringBuilder();
    for (Diagnostic<? extends JavaFileObject> d : errors.getDiagnostics()) {
      if (d.getKind() == Diagnostic.Kind.ERROR) {
        out.append(d.getMessage(null)).append('\n');
      }
    }
    assertEquals(ok, out.length() == 0, out.toString());
    return out.toString();
  }

  @Test
  void eachPayloadCompilesOnlyToTheKindOfNodeThatTakesIt() {
    assertEquals("", compileSend("topo.toBankOf(7)", "new MemoryBank.Read(1, 0x7000, null)"));
    assertEquals("", compileSend("topo.toAllocator()", "new FrameAllocator.Allocate(1, 0)"));
    assertEquals("", compileSend("topo.toCpu(0)", "new MemoryBank.Value(1, 0)"), "answers go to CPUs");
    assertEquals("", compileSend("topo.toCpu(1)", "new CpuActor.FlushAck(0, 1)"));

    assertTrue(compileSend("topo.toAllocator()", "new MemoryBank.Read(1, 0x7000, null)").contains("MemoryBank.Read"), "a load to the allocator");
    assertTrue(compileSend("topo.toBankOf(7)", "new FrameAllocator.Free(1, 7, 0)").contains("FrameAllocator.Free"), "a free to a memory bank");
    assertTrue(compileSend("topo.toKernel()", "new CpuActor.FlushIpi(0, 1, null)").contains("FlushIpi"), "an IPI to the kernel's tables");
    assertTrue(compileSend("topo.toBankOf(7)", "new MemoryBank.Value(1, 0)").contains("Value"), "an answer to a bank");
  }

  @Test
  void onlyCpusHaveCpuAddresses() {
    Topology t = new Topology(2, 3);
    assertEquals(new Address<Payload.ToCpu>(1), t.toCpu(1));
    assertEquals(t.bankOfFrame(10), t.toBankOf(10).node());
    assertEquals(t.allocator(), t.toAllocator().node());
    assertEquals(t.kernel(), t.toKernel().node());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.toCpu(t.allocator()));
    assertTrue(e.getMessage().contains("is no CPU"), e.getMessage());
  }
}
