/* mprotect-read: write 64 pages, mprotect(PROT_READ), read them: the read-only PTEs stay
 * present, no fault. */
#include "fidelity.h"

int main(void) {
  long t0, i = 0, sum = 0;
  char *p = region(PAGES);
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "touch");
  if (mprotect(p, PAGES * PAGE, PROT_READ) != 0) {
    return 90;
  }
  i = 0;
  BEGIN(t0, RUSAGE_SELF);
  READ_PAGES(p, i, sum, 0, PAGES);
  END(t0, RUSAGE_SELF, "read");
  return (int) sum & 1;
}
