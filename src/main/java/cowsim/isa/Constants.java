package cowsim.isa;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The Linux constants (syscall numbers and flags) that programs may name as immediates. */
public final class Constants {
  // Field names keep the Linux spelling so kernel code and assembly read the same.
  public static final int SYS_read = 0;
  public static final int SYS_write = 1;
  public static final int SYS_close = 3;
  public static final int SYS_pipe = 22;
  public static final int SYS_ioctl = 16;
  public static final int SYS_openat = 257;
  public static final int SYS_vmsplice = 278;
  public static final int SYS_pipe2 = 293;
  public static final int SYS_mmap = 9;
  public static final int SYS_mprotect = 10;
  public static final int SYS_munmap = 11;
  public static final int SYS_madvise = 28;
  public static final int SYS_sched_yield = 24;
  public static final int SYS_getpid = 39;
  public static final int SYS_clone = 56;
  public static final int SYS_fork = 57;
  public static final int SYS_exit = 60;
  public static final int SYS_wait4 = 61;
  public static final int SYS_arch_prctl = 158;
  public static final int SYS_getrusage = 98;
  public static final int SYS_gettid = 186;
  public static final int SYS_sched_setaffinity = 203;
  public static final int SYS_exit_group = 231;
  /** Not Linux: the simulator's own fork variant. */
  public static final int SYS_PROC_FORK = 302;

  public static final int CLONE_VM = 0x100;

  public static final int RUSAGE_SELF = 0;
  public static final int RUSAGE_THREAD = 1;

  public static final int ARCH_SET_FS = 0x1002;
  public static final int ARCH_GET_FS = 0x1003;

  public static final int PROT_NONE = 0;
  public static final int PROT_READ = 1;
  public static final int PROT_WRITE = 2;
  public static final int PROT_EXEC = 4;

  public static final int MAP_PRIVATE = 0x02;
  public static final int MAP_FIXED = 0x10;
  public static final int MAP_ANONYMOUS = 0x20;
  /** A mapping of 2 MiB pages (Linux's default huge page size on x86-64). */
  public static final int MAP_HUGETLB = 0x40000;

  public static final int MADV_DONTNEED = 4;

  /** fcntl.h: openat's "relative to the working directory" and its access mode. */
  public static final int AT_FDCWD = -100;
  public static final int O_RDWR = 2;

  /**
   * mm/gup_test.h (the device {@code /sys/kernel/debug/gup_test} cow.c pins pages through):
   * {@code _IOW('g', 7, struct pin_longterm_test)} with the struct's 24 bytes ({@code __u64 addr,
   * __u64 size, __u32 flags} and padding), {@code _IO('g', 8)}, {@code _IOW('g', 9, __u64)}.
   */
  public static final long PIN_LONGTERM_TEST_START = 0x40186707L;
  public static final long PIN_LONGTERM_TEST_STOP = 0x6708L;
  public static final long PIN_LONGTERM_TEST_READ = 0x40086709L;
  public static final int PIN_LONGTERM_TEST_FLAG_USE_WRITE = 1;
  public static final int PIN_LONGTERM_TEST_FLAG_USE_FAST = 2;

  /** Every name usable in assembly with its value (case-sensitive), in documentation order. */
  public static final Map<String, Long> NAMES;

  static {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("SYS_read", (long) SYS_read);
    m.put("SYS_write", (long) SYS_write);
    m.put("SYS_close", (long) SYS_close);
    m.put("SYS_pipe", (long) SYS_pipe);
    m.put("SYS_vmsplice", (long) SYS_vmsplice);
    m.put("SYS_pipe2", (long) SYS_pipe2);
    m.put("SYS_mmap", (long) SYS_mmap);
    m.put("SYS_mprotect", (long) SYS_mprotect);
    m.put("SYS_munmap", (long) SYS_munmap);
    m.put("SYS_sched_yield", (long) SYS_sched_yield);
    m.put("SYS_getpid", (long) SYS_getpid);
    m.put("SYS_clone", (long) SYS_clone);
    m.put("SYS_fork", (long) SYS_fork);
    m.put("SYS_exit", (long) SYS_exit);
    m.put("SYS_wait4", (long) SYS_wait4);
    m.put("SYS_arch_prctl", (long) SYS_arch_prctl);
    m.put("SYS_getrusage", (long) SYS_getrusage);
    m.put("SYS_gettid", (long) SYS_gettid);
    m.put("SYS_sched_setaffinity", (long) SYS_sched_setaffinity);
    m.put("SYS_exit_group", (long) SYS_exit_group);
    m.put("SYS_PROC_FORK", (long) SYS_PROC_FORK);
    m.put("CLONE_VM", (long) CLONE_VM);
    m.put("RUSAGE_SELF", (long) RUSAGE_SELF);
    m.put("RUSAGE_THREAD", (long) RUSAGE_THREAD);
    m.put("ARCH_SET_FS", (long) ARCH_SET_FS);
    m.put("ARCH_GET_FS", (long) ARCH_GET_FS);
    m.put("PROT_NONE", (long) PROT_NONE);
    m.put("PROT_READ", (long) PROT_READ);
    m.put("PROT_WRITE", (long) PROT_WRITE);
    m.put("PROT_EXEC", (long) PROT_EXEC);
    m.put("MAP_PRIVATE", (long) MAP_PRIVATE);
    m.put("MAP_FIXED", (long) MAP_FIXED);
    m.put("MAP_ANONYMOUS", (long) MAP_ANONYMOUS);
    m.put("MAP_HUGETLB", (long) MAP_HUGETLB);
    m.put("SYS_madvise", (long) SYS_madvise);
    m.put("MADV_DONTNEED", (long) MADV_DONTNEED);
    m.put("SYS_openat", (long) SYS_openat);
    m.put("SYS_ioctl", (long) SYS_ioctl);
    m.put("AT_FDCWD", (long) AT_FDCWD);
    m.put("O_RDWR", (long) O_RDWR);
    m.put("PIN_LONGTERM_TEST_START", PIN_LONGTERM_TEST_START);
    m.put("PIN_LONGTERM_TEST_STOP", PIN_LONGTERM_TEST_STOP);
    m.put("PIN_LONGTERM_TEST_READ", PIN_LONGTERM_TEST_READ);
    m.put("PIN_LONGTERM_TEST_FLAG_USE_WRITE", (long) PIN_LONGTERM_TEST_FLAG_USE_WRITE);
    m.put("PIN_LONGTERM_TEST_FLAG_USE_FAST", (long) PIN_LONGTERM_TEST_FLAG_USE_FAST);
    NAMES = Collections.unmodifiableMap(m);
  }

  private Constants() {}
}
