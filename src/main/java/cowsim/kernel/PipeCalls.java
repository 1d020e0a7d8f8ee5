package cowsim.kernel;

import cowsim.isa.Reg;
import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * pipe2, vmsplice, read, write and close on the model's pipes (the tables are {@link Pipes} in
 * the kernel's shared state; this is the part that runs on the calling CPU). vmsplice follows
 * fs/splice.c's vmsplice_to_pipe: iter_to_pipe takes each page with iov_iter_get_pages2, a
 * FOLL_GET get_user_pages_fast ({@link Gup.Kind#GET}: fault it in if it is not present, one
 * reference, no unshare), one pipe buffer per page. read copies the bytes out
 * of the buffers' frames to the reader, one copy-to-user store per 8 bytes, and drops the
 * references of each buffer it used up (pipe_buf_release: put_page).
 *
 * <p>Model limits: every address and length is a multiple of 8 (-EINVAL otherwise; the model's
 * accesses are aligned qwords), vmsplice takes one iovec, write at most 4096 bytes, and the pipes
 * never block (an empty pipe with a writer is -EAGAIN, a full one too, as with O_NONBLOCK).
 */
final class PipeCalls {

  private PipeCalls() {}

  /** fcntl.h: what pipe2 accepts. */
  static final long O_NONBLOCK = 0x800;
  static final long O_CLOEXEC = 0x80000;
  static final long O_DIRECT = 0x4000;

  static void pipe2(Hardware hw, TaskImage t, long fds, long flags, LongConsumer ret) {
    if ((flags & ~(O_NONBLOCK | O_CLOEXEC | O_DIRECT)) != 0) {
      ret.accept(-Errno.EINVAL); // do_pipe2
      return;
    }
    if ((fds & 7) != 0) {
      ret.accept(-Errno.EINVAL);
      return;
    }
    hw.call(
        tag -> new KernelState.PipeCreate(tag, t.pid()),
        res -> {
          KernelState.Result r = (KernelState.Result) res;
          // int fds[2]: one 8-byte store, fds[0] in the low half
          hw.copyToUser(fds, r.value() | (r.extra() << 32), ok -> {
            if (ok) {
              ret.accept(0);
              return;
            }
            // the copy failed: both ends closed again (do_pipe2's fput), -EFAULT
            hw.call(tag -> new KernelState.PipeClose(tag, t.pid(), r.value()),
                a -> hw.call(tag -> new KernelState.PipeClose(tag, t.pid(), r.extra()), b -> ret.accept(-Errno.EFAULT)));
          });
        });
  }

  /** Reads 8 bytes of the current task's memory (copy_from_user), faulting the page in if need be; k gets null on -EFAULT. */
  static void readUser(Hardware hw, long pid, long va, int attempt, java.util.function.Consumer<Long> k) {
    PageTables.translate(hw, hw.cr3(), va & ~0xfffL, leaf -> {
      if (leaf.mapped4k()) {
        hw.read((Pte.frame(leaf.entry()) << 12) | (va & 0xfff), v -> k.accept(v));
      } else if (leaf.mapped2m()) {
        hw.read((Pte.frame(leaf.entry()) << 12) + (va & 0x1f_ffffL), v -> k.accept(v));
      } else if (attempt >= 3) {
        k.accept(null);
      } else {
        PageFaultHandler.handle(hw, pid, va, false, false, () -> readUser(hw, pid, va, attempt + 1, k), why -> k.accept(null));
      }
    });
  }

  static void vmsplice(Hardware hw, TaskImage t, long fd, long iov, long nrSegs, long flags, LongConsumer ret) {
    if (nrSegs == 0) {
      ret.accept(0);
      return;
    }
    if (nrSegs != 1 || (iov & 7) != 0) {
      ret.accept(-Errno.EINVAL); // the model takes one iovec
      return;
    }
    hw.call(tag -> new KernelState.PipeRoom(tag, t.pid(), fd), res -> {
      long room = ((KernelState.Result) res).value();
      if (room < 0) {
        ret.accept(room == -Errno.EINVAL ? -Errno.EBADF : room); // get_pipe_info: not a pipe
        return;
      }
      readUser(hw, t.pid(), iov, 0, base -> {
        if (base == null) {
          ret.accept(-Errno.EFAULT);
          return;
        }
        readUser(hw, t.pid(), iov + 8, 0, len -> {
          if (len == null) {
            ret.accept(-Errno.EFAULT);
            return;
          }
          if ((base & 7) != 0 || (len & 7) != 0 || len < 0) {
            ret.accept(-Errno.EINVAL);
            return;
          }
          if (len == 0) {
            ret.accept(0);
            return;
          }
          if (room == 0) {
            ret.accept(-Errno.EAGAIN);
            return;
          }
          pinNext(hw, t, fd, base, len, room, new ArrayList<>(), 0, ret);
        });
      });
    });
  }

  /** iter_to_pipe: page by page, each pinned into one buffer, until the range or the room ends. */
  private static void pinNext(
      Hardware hw, TaskImage t, long fd, long base, long len, long room, List<Pipes.Buf> bufs, long done, LongConsumer ret) {
    if (done >= len || bufs.size() >= room) {
      finish(hw, t, fd, bufs, done, ret);
      return;
    }
    long va = base + done;
    int off = (int) (va & 0xfff);
    int n = (int) Math.min(len - done, 4096 - off);
    Gup.page(hw, t.pid(), va, Gup.Kind.GET, buf -> {
      if (buf == null) {
        finish(hw, t, fd, bufs, done == 0 ? -Errno.EFAULT : done, ret);
        return;
      }
      bufs.add(new Pipes.Buf(buf.frame(), buf.ref(), buf.order(), off, n, buf.refs(), buf.cr3()));
      pinNext(hw, t, fd, base, len, room, bufs, done + n, ret);
    });
  }

  private static void finish(Hardware hw, TaskImage t, long fd, List<Pipes.Buf> bufs, long result, LongConsumer ret) {
    if (bufs.isEmpty()) {
      ret.accept(result);
      return;
    }
    hw.call(tag -> new KernelState.PipePush(tag, t.pid(), fd, List.copyOf(bufs)), res -> ret.accept(result));
  }

  /** pipe_read into the reader's buffer. */
  static void read(Hardware hw, TaskImage t, long fd, long buf, long count, LongConsumer ret) {
    if ((buf & 7) != 0 || (count & 7) != 0) {
      ret.accept(-Errno.EINVAL);
      return;
    }
    hw.call(tag -> new KernelState.PipeRead(tag, t.pid(), fd, count), res -> {
      KernelState.PipeData d = (KernelState.PipeData) res;
      if (d.pieces().isEmpty()) {
        ret.accept(d.value());
        return;
      }
      long[] copied = {0};
      boolean[] fault = {false};
      Async.loop(0, d.pieces().size(), (i, next) -> {
        Pipes.Piece p = d.pieces().get(i);
        Runnable after = () -> {
          if (p.last()) {
            release(hw, p.buf(), next);
          } else {
            next.run();
          }
        };
        if (fault[0]) {
          after.run();
          return;
        }
        hw.readFrame(p.buf().frame(), data -> Async.loop(p.offset() / 8, (p.offset() + p.len()) / 8, (w, nextWord) -> {
          if (fault[0]) {
            nextWord.run();
            return;
          }
          hw.copyToUser(buf + copied[0], data[w], ok -> {
            if (ok) {
              copied[0] += 8;
            } else {
              fault[0] = true;
            }
            nextWord.run();
          });
        }, after));
      }, () -> ret.accept(copied[0] == 0 && fault[0] ? -Errno.EFAULT : copied[0]));
    });
  }

  /** pipe_write: the bytes go into a fresh pipe page (alloc_page, copy_page_from_iter). */
  static void write(Hardware hw, TaskImage t, long fd, long buf, long count, LongConsumer ret) {
    // ksys_write: the descriptor first (fdget_pos: -EBADF), then the arguments
    hw.call(tag -> new KernelState.PipeRoom(tag, t.pid(), fd), res -> {
      long room = ((KernelState.Result) res).value();
      if (room < 0) {
        ret.accept(room);
        return;
      }
      if ((buf & 7) != 0 || (count & 7) != 0 || count > 4096 || count < 0) {
        ret.accept(-Errno.EINVAL);
        return;
      }
      if (count == 0) {
        ret.accept(0);
        return;
      }
      if (room == 0) {
        ret.accept(-Errno.EAGAIN);
        return;
      }
      long[] data = new long[512];
      boolean[] fault = {false};
      Async.loop(0, (int) (count / 8), (i, next) -> readUser(hw, t.pid(), buf + 8L * i, 0, v -> {
        if (v == null) {
          fault[0] = true;
        } else {
          data[i] = v;
        }
        next.run();
      }), () -> {
        if (fault[0]) {
          ret.accept(-Errno.EFAULT);
          return;
        }
        hw.allocate(f -> {
          if (f < 0) {
            ret.accept(-Errno.ENOMEM);
            return;
          }
          hw.writeFrame(f, data, () -> hw.refAdd(f, 1, old -> {
            hw.report(new Event.KernelRef(hw.now(), hw.cpu(), 0, f, f, 1, "pipe page"));
            finish(hw, t, fd, List.of(new Pipes.Buf(f, f, 0, 0, (int) count, 1, 0)), count, ret);
          }));
        });
      });
    });
  }

  static void close(Hardware hw, TaskImage t, long fd, LongConsumer ret) {
    hw.call(tag -> new KernelState.PipeClose(tag, t.pid(), fd), res -> {
      KernelState.PipeData d = (KernelState.PipeData) res;
      releaseAll(hw, d.released(), () -> ret.accept(d.value()));
    });
  }

  static void releaseAll(Hardware hw, List<Pipes.Buf> bufs, Runnable k) {
    Async.loop(0, bufs.size(), (i, next) -> release(hw, bufs.get(i), next), k);
  }

  /** pipe_buf_release: the buffer's references go (put_page); freed at 0. */
  static void release(Hardware hw, Pipes.Buf b, Runnable k) {
    Gup.release(hw, b, "pipe release", k);
  }
}
