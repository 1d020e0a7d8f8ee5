/* fork-child-writes: the parent writes 64 pages and forks; the child writes them all (a COW
 * fault each: the pages are shared with the parent), reports and exits. */
#include "fidelity.h"

int main(void) {
  long t0, i = 0;
  char *p = region(PAGES);
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "touch");
  pid_t c = fork();
  if (c == 0) {
    i = 0;
    BEGIN(t0, RUSAGE_SELF);
    WRITE_PAGES(p, i, 0, PAGES);
    END(t0, RUSAGE_SELF, "c-write");
    _exit(0);
  }
  waitpid(c, NULL, 0);
  return 0;
}
