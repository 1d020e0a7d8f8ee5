/* dontneed: write 64 pages, madvise(MADV_DONTNEED), write them again: the pages were dropped,
 * so demand-zero faults again. */
#include "fidelity.h"

int main(void) {
  long t0, i = 0;
  char *p = region(PAGES);
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "touch");
  if (madvise(p, PAGES * PAGE, MADV_DONTNEED) != 0) {
    return 90;
  }
  i = 0;
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "again");
  return 0;
}
