package cowsim.cluster;

import akka.actor.ExtendedActorSystem;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.JSerializer;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * How a {@link ClusterMessage} travels: its record as JSON (the Jackson databind the reports
 * use), its class as the manifest, an actor reference as its serialized path. Not
 * akka-serialization-jackson: that module pins Jackson 2.11, the project uses 2.22.
 */
public final class JsonSerializer extends JSerializer {

  /** Unique among the serializers of the actor system (Akka reserves 0-40). */
  static final int ID = 7_461_001;

  private final ObjectMapper mapper;

  public JsonSerializer(ExtendedActorSystem system) {
    ActorRefResolver resolver = ActorRefResolver.get(Adapter.toTyped(system));
    SimpleModule refs = new SimpleModule("cowsim-actor-refs");
    refs.addSerializer(ActorRef.class, new com.fasterxml.jackson.databind.JsonSerializer<ActorRef>() {
      @Override
      public void serialize(ActorRef value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
        gen.writeString(resolver.toSerializationFormat(value));
      }
    });
    refs.addDeserializer(ActorRef.class, new JsonDeserializer<ActorRef>() {
      @Override
      public ActorRef deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        return resolver.resolveActorRef(p.getValueAsString());
      }
    });
    mapper = new ObjectMapper().registerModule(refs).configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
  }

  @Override
  public int identifier() {
    return ID;
  }

  @Override
  public boolean includeManifest() {
    return true;
  }

  @Override
  public byte[] toBinary(Object o) {
    try {
      return mapper.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialize " + o.getClass().getName(), e);
    }
  }

  @Override
  public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
    try {
      return mapper.readValue(bytes, manifest);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read a " + manifest.getName(), e);
    }
  }
}
