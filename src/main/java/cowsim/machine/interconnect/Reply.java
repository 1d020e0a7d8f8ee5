package cowsim.machine.interconnect;

/**
 * An answer to a request: it carries the request's tag back to the requester, always a CPU (the
 * only node that asks).
 */
public interface Reply extends Payload.ToCpu {
  long tag();
}
