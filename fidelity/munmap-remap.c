/* munmap-remap: write 64 pages, munmap them, mmap 64 pages again and write them: demand-zero
 * faults both times. */
#include "fidelity.h"

int main(void) {
  long t0, i = 0;
  char *p = region(PAGES);
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "first");
  if (munmap(p, PAGES * PAGE) != 0) {
    return 90;
  }
  p = region(PAGES);
  i = 0;
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "again");
  return 0;
}
