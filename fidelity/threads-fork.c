/* threads-fork: two threads of one process; the main thread writes pages 0-31, a second thread
 * writes pages 32-63 (each counted with RUSAGE_THREAD), then the second thread forks: the child
 * (one thread) writes all 64 (COW copies) and exits; after joining, the main thread writes all
 * 64 (write-protected by the fork: a fault each, reusing the pages). */
#include "fidelity.h"

static char *p;

static void *second(void *arg) {
  long t0, i = 0;
  (void) arg;
  BEGIN(t0, RUSAGE_THREAD);
  WRITE_PAGES(p, i, PAGES / 2, PAGES);
  END(t0, RUSAGE_THREAD, "t-touch");
  pid_t c = fork();
  if (c == 0) {
    i = 0;
    BEGIN(t0, RUSAGE_SELF);
    WRITE_PAGES(p, i, 0, PAGES);
    END(t0, RUSAGE_SELF, "c-write");
    _exit(0);
  }
  waitpid(c, NULL, 0);
  return NULL;
}

int main(void) {
  long t0, i = 0;
  pthread_t t;
  p = region(PAGES);
  BEGIN(t0, RUSAGE_THREAD);
  WRITE_PAGES(p, i, 0, PAGES / 2);
  END(t0, RUSAGE_THREAD, "m-touch");
  if (pthread_create(&t, NULL, second, NULL) != 0 || pthread_join(t, NULL) != 0) {
    return 90;
  }
  i = 0;
  BEGIN(t0, RUSAGE_THREAD);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_THREAD, "m-write");
  return 0;
}
