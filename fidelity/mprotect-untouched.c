/* mprotect-untouched: mprotect(PROT_READ) then back to read-write on 64 untouched pages, then
 * write them: demand-zero faults, as without the mprotects. */
#include "fidelity.h"

int main(void) {
  long t0, i = 0;
  char *p = region(PAGES);
  if (mprotect(p, PAGES * PAGE, PROT_READ) != 0 || mprotect(p, PAGES * PAGE, PROT_READ | PROT_WRITE) != 0) {
    return 90;
  }
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "write");
  return 0;
}
