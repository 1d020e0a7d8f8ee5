package cowsim.kernel;

import cowsim.isa.Constants;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * openat and ioctl for the one file the model has: {@code /sys/kernel/debug/gup_test}, the device
 * Linux's cow.c pins pages through (mm/gup_test.c, CONFIG_GUP_TEST). Its PIN_LONGTERM_TEST_*
 * commands follow pin_longterm_test_start / _read / _stop:
 *
 * <ul>
 *   <li>START copies {@code struct pin_longterm_test {u64 addr, size; u32 flags}} in; -EINVAL when
 *       pages are pinned already, for unknown flags, an address or size that is not a multiple of
 *       4 KiB, or a size of 0 (kvmalloc_array of nothing); then pin_user_pages of every page with
 *       FOLL_LONGTERM, and FOLL_WRITE with PIN_LONGTERM_TEST_FLAG_USE_WRITE ({@link Gup}). A page
 *       that cannot be pinned unpins the others and fails the call (-EFAULT). USE_FAST
 *       (pin_user_pages_fast) takes the same path here: the model's GUP-fast would fall back to
 *       the slow path for every page that needs a fault or an unshare anyway.
 *   <li>READ copies a {@code u64} user address in and copies every pinned page, 4 KiB each, to
 *       the memory there (copy_to_user: -EFAULT when a store faults); -EINVAL with nothing pinned.
 *   <li>STOP unpins every page (unpin_user_pages); 0 even with nothing pinned.
 *   <li>Any other command on the device is -EINVAL; ioctl on a pipe is -ENOTTY.
 * </ul>
 *
 * The pins are the module's, one set for the kernel (pin_longterm_test_pages), kept until STOP
 * or until a file of the device is released (its last close, or exit: gup_test_release stops).
 *
 * <p>Model limits: the path is read from user memory 8 bytes at a time (strncpy_from_user); only
 * an absolute path is looked up and only that one exists (-ENOENT otherwise, whatever dirfd says),
 * open flags are not checked.
 */
final class GupTestDevice {

  private GupTestDevice() {}

  /** The only path openat knows. */
  static final String PATH = "/sys/kernel/debug/gup_test";

  /** include/uapi/linux/limits.h. */
  private static final int PATH_MAX = 4096;

  static void openat(Hardware hw, TaskImage t, long dirfd, long path, LongConsumer ret) {
    readString(hw, t.pid(), path, new StringBuilder(), name -> {
      if (name == null) {
        ret.accept(-Errno.EFAULT);
      } else if (name.length() >= PATH_MAX) {
        ret.accept(-Errno.ENAMETOOLONG);
      } else if (name.isEmpty() || !name.equals(PATH)) {
        ret.accept(-Errno.ENOENT);
      } else {
        call(hw, t.pid(), -1, KernelState.GupOp.OPEN, List.of(), d -> ret.accept(d.value()));
      }
    });
  }

  /** strncpy_from_user: bytes up to the first NUL, 8 at a time; null on -EFAULT. */
  private static void readString(Hardware hw, long pid, long va, StringBuilder sb, java.util.function.Consumer<String> k) {
    if ((va & 7) != 0) {
      // the model's loads are aligned qwords: read the qword around va and skip the bytes before it
      long base = va & ~7L;
      PipeCalls.readUser(hw, pid, base, 0, v -> {
        if (v == null) {
          k.accept(null);
          return;
        }
        if (take(sb, v >>> (8 * (va - base)), (int) (8 - (va - base)))) {
          k.accept(sb.toString());
        } else {
          readString(hw, pid, base + 8, sb, k);
        }
      });
      return;
    }
    PipeCalls.readUser(hw, pid, va, 0, v -> {
      if (v == null) {
        k.accept(null);
      } else if (take(sb, v, 8) || sb.length() >= PATH_MAX) {
        k.accept(sb.toString());
      } else {
        readString(hw, pid, va + 8, sb, k);
      }
    });
  }

  /** Appends up to {@code n} bytes of {@code v}, low byte first; true at a NUL. */
  private static boolean take(StringBuilder sb, long v, int n) {
    for (int i = 0; i < n; i++) {
      int c = (int) ((v >>> (8 * i)) & 0xff);
      if (c == 0) {
        return true;
      }
      sb.append((char) c);
    }
    return false;
  }

  static void ioctl(Hardware hw, TaskImage t, long fd, long cmd, long arg, LongConsumer ret) {
    call(hw, t.pid(), fd, KernelState.GupOp.KIND, List.of(), kind -> {
      if (kind.value() < 0) {
        ret.accept(kind.value());
      } else if (kind.value() == 0) {
        ret.accept(-Errno.ENOTTY); // pipe_ioctl knows FIONREAD only
      } else if (cmd == Constants.PIN_LONGTERM_TEST_START) {
        start(hw, t, arg, ret);
      } else if (cmd == Constants.PIN_LONGTERM_TEST_READ) {
        read(hw, t, arg, ret);
      } else if (cmd == Constants.PIN_LONGTERM_TEST_STOP) {
        call(hw, t.pid(), fd, KernelState.GupOp.TAKE, List.of(), d -> unpin(hw, d.released(), () -> ret.accept(0)));
      } else {
        ret.accept(-Errno.EINVAL);
      }
    });
  }

  private static void start(Hardware hw, TaskImage t, long arg, LongConsumer ret) {
    call(hw, t.pid(), -1, KernelState.GupOp.PINNED, List.of(), pinned -> {
      if (pinned.value() != 0) {
        ret.accept(-Errno.EINVAL);
        return;
      }
      PipeCalls.readUser(hw, t.pid(), arg, 0, addr -> PipeCalls.readUser(hw, t.pid(), arg + 8, 0, size ->
          PipeCalls.readUser(hw, t.pid(), arg + 16, 0, flagsWord -> {
            if (addr == null || size == null || flagsWord == null) {
              ret.accept(-Errno.EFAULT);
              return;
            }
            long flags = flagsWord & 0xffff_ffffL;
            if ((flags & ~(long) (Constants.PIN_LONGTERM_TEST_FLAG_USE_WRITE | Constants.PIN_LONGTERM_TEST_FLAG_USE_FAST)) != 0
                || ((addr | size) & 0xfff) != 0 || size <= 0) {
              ret.accept(-Errno.EINVAL);
              return;
            }
            Gup.Kind kind = (flags & Constants.PIN_LONGTERM_TEST_FLAG_USE_WRITE) != 0 ? Gup.Kind.PIN_WRITE : Gup.Kind.PIN;
            pinAll(hw, t, addr, size / 4096, kind, new ArrayList<>(), ret);
          })));
    });
  }

  private static void pinAll(Hardware hw, TaskImage t, long addr, long pages, Gup.Kind kind, List<Pipes.Buf> got, LongConsumer ret) {
    if (got.size() == pages) {
      call(hw, t.pid(), -1, KernelState.GupOp.SET, List.copyOf(got), d -> {
        if (d.value() == 0) {
          ret.accept(0);
        } else {
          unpin(hw, got, () -> ret.accept(d.value())); // another START won meanwhile
        }
      });
      return;
    }
    Gup.page(hw, t.pid(), addr + 4096L * got.size(), kind, buf -> {
      if (buf == null) {
        unpin(hw, got, () -> ret.accept(-Errno.EFAULT));
        return;
      }
      got.add(buf);
      pinAll(hw, t, addr, pages, kind, got, ret);
    });
  }

  private static void read(Hardware hw, TaskImage t, long arg, LongConsumer ret) {
    call(hw, t.pid(), -1, KernelState.GupOp.GET, List.of(), d -> {
      List<Pipes.Buf> pins = d.released();
      if (pins.isEmpty()) {
        ret.accept(-Errno.EINVAL);
        return;
      }
      PipeCalls.readUser(hw, t.pid(), arg, 0, to -> {
        if (to == null) {
          ret.accept(-Errno.EFAULT);
          return;
        }
        boolean[] fault = {false};
        Async.loop(0, pins.size(), (i, next) -> hw.readFrame(pins.get(i).frame(), data ->
            Async.loop(0, 512, (w, nextWord) -> {
              if (fault[0]) {
                nextWord.run();
                return;
              }
              hw.copyToUser(to + 4096L * i + 8L * w, data[w], ok -> {
                fault[0] |= !ok;
                nextWord.run();
              });
            }, next)), () -> ret.accept(fault[0] ? -Errno.EFAULT : 0));
      });
    });
  }

  /** unpin_user_pages: each page's bias goes; a page whose last reference that was is freed. */
  static void unpin(Hardware hw, List<Pipes.Buf> bufs, Runnable k) {
    Async.loop(0, bufs.size(), (i, next) -> Gup.release(hw, bufs.get(i), "gup_test unpin", next), k);
  }

  private static void call(Hardware hw, long pid, long fd, KernelState.GupOp op, List<Pipes.Buf> bufs,
      java.util.function.Consumer<KernelState.PipeData> k) {
    hw.call(tag -> new KernelState.GupDevice(tag, pid, fd, op, bufs), res -> k.accept((KernelState.PipeData) res));
  }
}
