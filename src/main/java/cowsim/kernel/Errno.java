package cowsim.kernel;

/** Linux errno values the modelled system calls return (negated in rax). */
public final class Errno {
  public static final long EPERM = 1;
  public static final long ENOENT = 2;
  public static final long ESRCH = 3;
  public static final long EBADF = 9;
  public static final long ECHILD = 10;
  public static final long EAGAIN = 11;
  public static final long ENOMEM = 12;
  public static final long EFAULT = 14;
  public static final long EINVAL = 22;
  public static final long ENOTTY = 25;
  public static final long EPIPE = 32;
  public static final long ENAMETOOLONG = 36;
  public static final long ENOSYS = 38;

  private Errno() {}
}
