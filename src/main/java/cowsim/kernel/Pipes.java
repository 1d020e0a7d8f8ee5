package cowsim.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kernel's pipes and each process's file descriptors (a plain class of {@link KernelState},
 * as Linux's pipe_inode_info and files_struct): a pipe is a ring of at most {@link #BUFFERS}
 * buffers, each (frame, offset, length, the references it holds). Descriptors 0..2 are never
 * handed out (the standard streams); pipe2 takes the lowest free ones from 3. A fork child gets
 * a copy of its parent's table, each end counted once more; a pipe goes when its last end
 * closes, and hands back the buffers still in it, whose references the caller drops.
 */
public final class Pipes {

  /** PIPE_DEF_BUFFERS. */
  public static final int BUFFERS = 16;

  /**
   * One pipe buffer: the data's 4 KiB {@code frame}; {@code refs} references held on {@code ref}
   * (the frame, or its 2 MiB block's head, freed with {@code order}): a pin's bias, or a pipe
   * page's 1; {@code cr3}: the address space that pinned it (0: a pipe page).
   */
  public record Buf(long frame, long ref, int order, int offset, int len, int refs, long cr3) {}

  /** A piece read out of a buffer; {@code last}: the buffer is used up and its references go. */
  public record Piece(Buf buf, int offset, int len, boolean last) {}

  private static final class Pipe {
    final ArrayDeque<Buf> bufs = new ArrayDeque<>();
    int readers;
    int writers;
  }

  /** An open file of the gup_test device (debugfs's one inode; its pins are the module's, below). */
  private static final class Device {
    int opens;
  }

  /** An open file: a pipe's end ({@code device} null) or the gup_test device ({@code pipe} null). */
  private record End(Pipe pipe, boolean write, Device device) {
    End(Pipe pipe, boolean write) {
      this(pipe, write, null);
    }
  }

  /**
   * mm/gup_test.c's pin_longterm_test_pages: the pages PIN_LONGTERM_TEST_START pinned, one set
   * for the whole kernel (module state under pin_longterm_test_mutex), until STOP or a release.
   */
  private final List<Buf> pins = new ArrayList<>();

  private final Map<Long, TreeMap<Long, End>> files = new HashMap<>();

  private TreeMap<Long, End> table(long pid) {
    return files.computeIfAbsent(pid, p -> new TreeMap<>());
  }

  private static long lowestFree(TreeMap<Long, End> t, long from) {
    long fd = from;
    while (t.containsKey(fd)) {
      fd++;
    }
    return fd;
  }

  /** pipe2: the read end and the write end. */
  public long[] create(long pid) {
    TreeMap<Long, End> t = table(pid);
    Pipe p = new Pipe();
    p.readers = 1;
    p.writers = 1;
    long r = lowestFree(t, 3);
    t.put(r, new End(p, false));
    long w = lowestFree(t, 3);
    t.put(w, new End(p, true));
    return new long[] {r, w};
  }

  /** openat of /sys/kernel/debug/gup_test (nonseekable_open): the new descriptor. */
  public long openDevice(long pid) {
    TreeMap<Long, End> t = table(pid);
    Device d = new Device();
    d.opens = 1;
    long fd = lowestFree(t, 3);
    t.put(fd, new End(null, false, d));
    return fd;
  }

  /** What {@code fd} is, for ioctl: 1 the gup_test device, 0 a pipe, -EBADF not open. */
  public long kind(long pid, long fd) {
    End e = table(pid).get(fd);
    return e == null ? -Errno.EBADF : e.device() != null ? 1 : 0;
  }

  /** Whether PIN_LONGTERM_TEST_START has pages pinned. */
  public boolean pinned() {
    return !pins.isEmpty();
  }

  /** The pinned pages, in order (PIN_LONGTERM_TEST_READ). */
  public List<Buf> pins() {
    return List.copyOf(pins);
  }

  /** PIN_LONGTERM_TEST_START's result: false (nothing kept) when pages are pinned already. */
  public boolean setPins(List<Buf> bufs) {
    if (!pins.isEmpty()) {
      return false;
    }
    pins.addAll(bufs);
    return true;
  }

  /** pin_longterm_test_stop: the pinned pages, to unpin; none are kept. */
  public List<Buf> takePins() {
    List<Buf> out = new ArrayList<>(pins);
    pins.clear();
    return out;
  }

  /** dup_fd at fork. */
  public void fork(long parent, long child) {
    TreeMap<Long, End> t = files.get(parent);
    if (t == null || t.isEmpty()) {
      return;
    }
    TreeMap<Long, End> c = table(child);
    for (Map.Entry<Long, End> e : t.entrySet()) {
      c.put(e.getKey(), e.getValue());
      if (e.getValue().device() != null) {
        e.getValue().device().opens++;
      } else if (e.getValue().write()) {
        e.getValue().pipe().writers++;
      } else {
        e.getValue().pipe().readers++;
      }
    }
  }

  /** Whether the process has any open descriptor. */
  public boolean hasFiles(long pid) {
    TreeMap<Long, End> t = files.get(pid);
    return t != null && !t.isEmpty();
  }

  /** How many buffers the write end {@code fd} can still take, or -EBADF when it is no pipe's write end. */
  public long room(long pid, long fd) {
    End e = table(pid).get(fd);
    if (e != null && e.device() != null) {
      return -Errno.EINVAL; // vfs_write: the debugfs file has no write (FMODE_CAN_WRITE clear)
    }
    if (e == null || !e.write()) {
      return -Errno.EBADF;
    }
    return e.pipe().readers == 0 ? -Errno.EPIPE : BUFFERS - e.pipe().bufs.size();
  }

  /** Appends buffers to the pipe of write end {@code fd} (checked with {@link #room} first). */
  public void push(long pid, long fd, List<Buf> bufs) {
    End e = table(pid).get(fd);
    if (e == null || !e.write() || e.pipe().bufs.size() + bufs.size() > BUFFERS) {
      throw new IllegalStateException("push to fd " + fd + " of pid " + pid + " without room");
    }
    e.pipe().bufs.addAll(bufs);
  }

  /**
   * pipe_read of at most {@code max} bytes from read end {@code fd}: the pieces taken, in order.
   * {@code error[0]}: -EBADF (no pipe's read end), -EAGAIN (empty with a writer: the model's pipes
   * do not block, as with O_NONBLOCK), 0 with no pieces at end of file (empty, no writer).
   */
  public List<Piece> read(long pid, long fd, long max, long[] error) {
    End e = table(pid).get(fd);
    List<Piece> out = new ArrayList<>();
    if (e != null && e.device() != null) {
      error[0] = -Errno.EINVAL; // vfs_read: no read either
      return out;
    }
    if (e == null || e.write()) {
      error[0] = -Errno.EBADF;
      return out;
    }
    Pipe p = e.pipe();
    if (p.bufs.isEmpty()) {
      error[0] = p.writers == 0 ? 0 : -Errno.EAGAIN;
      return out;
    }
    long left = max;
    while (left > 0 && !p.bufs.isEmpty()) {
      Buf b = p.bufs.peekFirst();
      int n = (int) Math.min(left, b.len());
      boolean last = n == b.len();
      out.add(new Piece(b, b.offset(), n, last));
      p.bufs.removeFirst();
      if (!last) {
        p.bufs.addFirst(new Buf(b.frame(), b.ref(), b.order(), b.offset() + n, b.len() - n, b.refs(), b.cr3()));
      }
      left -= n;
    }
    return out;
  }

  /**
   * close: the buffers to release when that was the pipe's last end (else none); {@code error[0]}
   * -EBADF when {@code fd} is not open.
   */
  public List<Buf> close(long pid, long fd, long[] error) {
    End e = table(pid).remove(fd);
    if (e == null) {
      error[0] = -Errno.EBADF;
      return List.of();
    }
    return drop(e);
  }

  /** exit_files: every descriptor of the process closed; the buffers of the pipes that went. */
  public List<Buf> closeAll(long pid) {
    TreeMap<Long, End> t = files.remove(pid);
    List<Buf> out = new ArrayList<>();
    if (t != null) {
      for (End e : t.values()) {
        out.addAll(drop(e));
      }
    }
    return out;
  }

  private List<Buf> drop(End e) {
    if (e.device() != null) {
      // gup_test_release on the file's last close: pin_longterm_test_stop
      return --e.device().opens > 0 ? List.of() : takePins();
    }
    Pipe p = e.pipe();
    if (e.write()) {
      p.writers--;
    } else {
      p.readers--;
    }
    if (p.readers + p.writers > 0) {
      return List.of();
    }
    List<Buf> out = new ArrayList<>(p.bufs);
    p.bufs.clear();
    return out;
  }
}
