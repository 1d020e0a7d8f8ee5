package cowsim.machine.interconnect;

/** An answer to a request: it carries the request's tag back to the requester. */
public interface Reply extends Payload {
  long tag();
}
