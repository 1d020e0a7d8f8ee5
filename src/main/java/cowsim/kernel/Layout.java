package cowsim.kernel;

/** The user address-space layout and the kernel's fixed frames. */
public final class Layout {
  /** First address above the user stack; the stack grows down from here. */
  public static final long STACK_TOP = 0x0000_7fff_ffff_f000L;
  /** Largest stack a scenario may ask for. */
  public static final long MAX_STACK = 64L << 20;
  /** End of the canonical lower half. */
  public static final long USER_END = 0x0000_8000_0000_0000L;
  /** The kernel's PML4 frame (frame 0 stays unused, as a null frame). */
  public static final long KERNEL_PML4 = 1;
  /** The kernel's PDPT, referenced by PML4 entry 511 of every address space. */
  public static final long KERNEL_PDPT = 2;
  /** PML4 slot of the kernel half that the model populates. */
  public static final int KERNEL_PML4_SLOT = 511;
  /** strat9's per-CPU shootdown ack flags: one 8-byte word per CPU from this frame on (8 frames for 4096 CPUs). */
  public static final long ACK_FLAGS_FRAME = 3;
  /**
   * Linux's shared zero page (empty_zero_page): the last reserved frame, unused before, so no
   * frame number of any run moves. Always zero; mapped read-only, without a reference, by a read
   * fault on an untouched page under {@code fault.read-untouched = zero-page}.
   */
  public static final long ZERO_FRAME = 15;
  /** Frames [0, RESERVED_FRAMES) never go to the allocator. */
  public static final long RESERVED_FRAMES = 16;

  private Layout() {}
}
