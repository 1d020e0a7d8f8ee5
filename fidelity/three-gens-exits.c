/* three-gens-exits: parent P writes 64 pages, forks C, C forks G; G writes and exits, then C
 * (after waiting for G) writes and exits, then P (after waiting for C) writes. */
#include "fidelity.h"

int main(void) {
  long t0, i = 0;
  char *p = region(PAGES);
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "touch");
  pid_t c = fork();
  if (c == 0) {
    pid_t g = fork();
    if (g == 0) {
      i = 0;
      BEGIN(t0, RUSAGE_SELF);
      WRITE_PAGES(p, i, 0, PAGES);
      END(t0, RUSAGE_SELF, "g-write");
      _exit(0);
    }
    waitpid(g, NULL, 0);
    i = 0;
    BEGIN(t0, RUSAGE_SELF);
    WRITE_PAGES(p, i, 0, PAGES);
    END(t0, RUSAGE_SELF, "c-write");
    _exit(0);
  }
  waitpid(c, NULL, 0);
  i = 0;
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "p-write");
  return 0;
}
