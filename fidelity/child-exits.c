/* child-exits: the parent writes 64 pages and forks; the child exits at once; then the parent
 * writes them again: a write fault each on its write-protected PTEs, resolved by reusing the
 * page it now owns alone. */
#include "fidelity.h"

int main(void) {
  long t0, i = 0;
  char *p = region(PAGES);
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "touch");
  pid_t c = fork();
  if (c == 0) {
    _exit(0);
  }
  waitpid(c, NULL, 0);
  i = 0;
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "p-write");
  return 0;
}
