/* mprotect-fork: write 64 pages, fork, the child exits; the parent mprotects the region
 * read-only and back to read-write, then writes it. After fork the pages are no longer marked
 * exclusive, so Linux's mprotect leaves them write-protected and each write faults (and reuses
 * the page). */
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
  if (mprotect(p, PAGES * PAGE, PROT_READ) != 0 || mprotect(p, PAGES * PAGE, PROT_READ | PROT_WRITE) != 0) {
    return 90;
  }
  i = 0;
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "p-write");
  return 0;
}
