package cowsim.cluster;

/**
 * The marker of every message that crosses from one JVM to another in a cowsim cluster: bound to
 * {@link JsonSerializer} in reference.conf (Akka 2.6 refuses Java serialization between nodes).
 */
public interface ClusterMessage {}
