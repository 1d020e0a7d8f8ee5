package cowsim.cli;

/** Entry point placeholder; replaced by the picocli command line. */
public final class Main {
  public static void main(String[] args) {
    System.out.println("cowsim");
  }
}
