package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernel's pipe table (Linux's pipe_inode_info and the fd tables), without actors. */
class PipesTest {

  private static Pipes.Buf buf(long frame, int len) {
    return new Pipes.Buf(frame, frame, 0, 0, len, Rmap.GUP_PIN_COUNTING_BIAS, 7);
  }

  @Test
  void pipe2HandsOutTheLowestFreeDescriptorsFromThree() {
    Pipes p = new Pipes();
    assertArrayEquals(new long[] {3, 4}, p.create(1));
    assertArrayEquals(new long[] {5, 6}, p.create(1));
    assertArrayEquals(new long[] {3, 4}, p.create(2), "descriptors are per process");
    long[] err = new long[1];
    p.close(1, 3, err);
    assertArrayEquals(new long[] {3, 7}, p.create(1));
  }

  @Test
  void roomIsTheBuffersLeftAndOnlyAWriteEndHasAny() {
    Pipes p = new Pipes();
    long[] fds = p.create(1);
    assertEquals(Pipes.BUFFERS, p.room(1, fds[1]));
    assertEquals(-Errno.EBADF, p.room(1, fds[0]), "the read end");
    assertEquals(-Errno.EBADF, p.room(1, 9), "not open");
    p.push(1, fds[1], List.of(buf(0x40, 4096)));
    assertEquals(Pipes.BUFFERS - 1, p.room(1, fds[1]));
    long[] err = new long[1];
    p.close(1, fds[0], err);
    assertEquals(-Errno.EPIPE, p.room(1, fds[1]), "no reader left");
  }

  @Test
  void aFullPipeRefusesAPushAsABugOfTheCaller() {
    Pipes p = new Pipes();
    long[] fds = p.create(1);
    for (int i = 0; i < Pipes.BUFFERS; i++) {
      p.push(1, fds[1], List.of(buf(0x40 + i, 8)));
    }
    assertEquals(0, p.room(1, fds[1]));
    assertThrows(IllegalStateException.class, () -> p.push(1, fds[1], List.of(buf(0x80, 8))));
  }

  @Test
  void readTakesPiecesInOrderAndKeepsTheRestOfAPartlyReadBuffer() {
    Pipes p = new Pipes();
    long[] fds = p.create(1);
    p.push(1, fds[1], List.of(buf(0x40, 16), buf(0x41, 8)));
    long[] err = new long[1];
    List<Pipes.Piece> a = p.read(1, fds[0], 8, err);
    assertEquals(1, a.size());
    assertEquals(0x40, a.get(0).buf().frame());
    assertFalse(a.get(0).last(), "8 of 16 bytes: the buffer's references stay");
    List<Pipes.Piece> b = p.read(1, fds[0], 100, err);
    assertEquals(2, b.size());
    assertEquals(8, b.get(0).offset());
    assertTrue(b.get(0).last() && b.get(1).last());
    assertEquals(-Errno.EAGAIN, readError(p, 1, fds[0]), "empty with a writer: the model does not block");
    p.close(1, fds[1], err);
    assertEquals(0, readError(p, 1, fds[0]), "empty, no writer: end of file");
    assertEquals(-Errno.EBADF, readError(p, 1, fds[1]), "closed");
  }

  private static long readError(Pipes p, long pid, long fd) {
    long[] err = {99};
    List<Pipes.Piece> got = p.read(pid, fd, 8, err);
    assertTrue(got.isEmpty());
    return err[0];
  }

  @Test
  void forkDuplicatesTheDescriptorsAndTheLastCloseReleasesTheBuffers() {
    Pipes p = new Pipes();
    long[] fds = p.create(1);
    p.push(1, fds[1], List.of(buf(0x40, 8)));
    p.fork(1, 2);
    assertTrue(p.hasFiles(2));
    assertEquals(List.of(), p.closeAll(1), "the child still holds both ends");
    long[] err = new long[1];
    assertEquals(List.of(), p.close(2, fds[1], err));
    List<Pipes.Buf> gone = p.close(2, fds[0], err);
    assertEquals(1, gone.size(), "the pipe's last end: its buffer's references go");
    assertFalse(p.hasFiles(2));
    assertEquals(-Errno.EBADF, closeError(p, 2, fds[0]));
  }

  private static long closeError(Pipes p, long pid, long fd) {
    long[] err = new long[1];
    p.close(pid, fd, err);
    return err[0];
  }
}
