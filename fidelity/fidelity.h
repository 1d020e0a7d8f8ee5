/*
 * Shared by the fidelity patterns (java -jar target/cowsim.jar fidelity): plain C and libc.
 * Each phase prints one line "phase NAME minflt N", N the getrusage delta of ru_minflt over the
 * phase. The count is taken twice at the start: the first call writes the stack and globals the
 * phase uses (after a fork those pages are copy-on-write and their first write is a fault of its
 * own), so the second count starts clean. Output goes through write(2), never stdio's buffers,
 * which fork would duplicate. Run with GLIBC_TUNABLES=glibc.pthread.rseq=0: glibc's rseq area
 * adds a fault after fork otherwise.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096L
#define PAGES 64

static long minflt(int who) {
  struct rusage ru;
  if (getrusage(who, &ru) != 0) {
    _exit(99);
  }
  return ru.ru_minflt;
}

static void report(const char *name, long n) {
  char buf[96];
  int len = snprintf(buf, sizeof buf, "phase %s minflt %ld\n", name, n);
  if (write(1, buf, len) != len) {
    _exit(98);
  }
}

/* A private anonymous region of `pages` untouched 4 KiB pages (no transparent huge pages). */
static char *region(long pages) {
  char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || madvise(p, pages * PAGE, MADV_NOHUGEPAGE) != 0) {
    _exit(97);
  }
  return p;
}

/* Phase bracketing; `t0` is the caller's own variable (per thread when threads measure). */
#define BEGIN(t0, who) \
  do { \
    (t0) = minflt(who); \
    (t0) = minflt(who); \
  } while (0)
#define END(t0, who, name) report((name), minflt(who) - (t0))

/* Write (or read) the first byte of pages [from, to): loops in the caller's frame. */
#define WRITE_PAGES(p, i, from, to) \
  for ((i) = (from); (i) < (to); (i)++) ((volatile char *) (p))[(i) * PAGE] = 1
#define READ_PAGES(p, i, sum, from, to) \
  for ((i) = (from); (i) < (to); (i)++) (sum) += ((volatile char *) (p))[(i) * PAGE]

/* Block until the other end of a pipe writes one byte (ordering between processes). */
static void await(int fd) {
  char c;
  if (read(fd, &c, 1) != 1) {
    _exit(96);
  }
}

static void signal_fd(int fd) {
  if (write(fd, "x", 1) != 1) {
    _exit(95);
  }
}
