package org.alliedexchange.api;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.ExtensionRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.LabelProto;
import org.alliedexchange.api.label.v1.SecurityLabel;

/**
 * The gateway label convention (documented in {@code allied/label/v1/label.proto}): every message a
 * guarded service exchanges through the gateway carries its {@link SecurityLabel} as field 1, so
 * the guard can decide any message without knowing the rest of its schema.
 *
 * <p>The gateway checks its routes with this at start-up; the build checks every .proto with it.
 */
public final class GatewayLabelConvention {

  /** Field number of the label in every message that crosses the gateway. */
  public static final int LABEL_FIELD = 1;

  /** Field number of the bound content in a bound (signed) message. */
  public static final int CONTENT_FIELD = 2;

  /** Field number of the binding signature in a bound message. */
  public static final int BINDING_FIELD = 3;

  /** Where the protobuf plugin writes the API's descriptor set inside the jar. */
  static final String DESCRIPTOR_SET_RESOURCE = "/org/alliedexchange/api/allied-api.desc";

  private GatewayLabelConvention() {}

  /** True when the service is marked {@code option (allied.label.v1.guarded) = true}. */
  public static boolean isGuarded(ServiceDescriptor service) {
    return service.getOptions().getExtension(LabelProto.guarded);
  }

  /** True when the message is bound: its field 3 is a {@link Binding} over fields 1 and 2. */
  public static boolean isBound(Descriptor message) {
    FieldDescriptor binding = message.findFieldByNumber(BINDING_FIELD);
    return binding != null
        && binding.getJavaType() == FieldDescriptor.JavaType.MESSAGE
        && binding.getMessageType().getFullName().equals(Binding.getDescriptor().getFullName());
  }

  /**
   * The field numbers {@code message} declares, as a mask (bit n for field n): a response carrying
   * any other top-level field is withheld by the guard, since a second product could ride there
   * under the first one's label.
   *
   * @throws IllegalStateException when a field number is above 63 (the API uses none)
   */
  public static long declaredFields(Descriptor message) {
    long mask = 0;
    for (FieldDescriptor field : message.getFields()) {
      if (field.getNumber() >= Long.SIZE) {
        throw new IllegalStateException(
            message.getFullName()
                + " declares field "
                + field.getNumber()
                + "; the guard checks responses' fields only up to 63");
      }
      mask |= 1L << field.getNumber();
    }
    return mask;
  }

  /** Every file of the API as compiled into this jar, in dependency order. */
  public static List<FileDescriptor> apiFiles() {
    ExtensionRegistry registry = ExtensionRegistry.newInstance();
    LabelProto.registerAllExtensions(registry);
    FileDescriptorSet set;
    try (InputStream in =
        GatewayLabelConvention.class.getResourceAsStream(DESCRIPTOR_SET_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "descriptor set " + DESCRIPTOR_SET_RESOURCE + " is missing from the api jar");
      }
      set = FileDescriptorSet.parseFrom(in, registry);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DESCRIPTOR_SET_RESOURCE, e);
    }
    Map<String, FileDescriptor> built = new HashMap<>();
    List<FileDescriptor> ordered = new ArrayList<>();
    // protoc writes dependencies before the files that import them
    for (FileDescriptorProto proto : set.getFileList()) {
      FileDescriptor[] deps =
          proto.getDependencyList().stream().map(built::get).toArray(FileDescriptor[]::new);
      try {
        FileDescriptor file = FileDescriptor.buildFrom(proto, deps);
        built.put(proto.getName(), file);
        ordered.add(file);
      } catch (DescriptorValidationException e) {
        throw new IllegalStateException(
            "invalid descriptor " + proto.getName() + ": " + e.getMessage(), e);
      }
    }
    return ordered;
  }

  /** Every guarded service of the API. */
  public static List<ServiceDescriptor> guardedServices(List<FileDescriptor> files) {
    List<ServiceDescriptor> services = new ArrayList<>();
    for (FileDescriptor file : files) {
      for (ServiceDescriptor service : file.getServices()) {
        if (isGuarded(service)) {
          services.add(service);
        }
      }
    }
    return services;
  }

  /**
   * What breaks the convention in a guarded service, one sentence per violation naming the method
   * and message; empty when the service keeps it.
   */
  public static List<String> violations(ServiceDescriptor service) {
    List<String> violations = new ArrayList<>();
    for (MethodDescriptor method : service.getMethods()) {
      String where = service.getFullName() + "/" + method.getName();
      checkLabelled(where + " response", method.getOutputType(), violations);
      if (carriesLabel(method.getInputType())) {
        checkLabelled(where + " request", method.getInputType(), violations);
      }
    }
    return violations;
  }

  private static boolean carriesLabel(Descriptor message) {
    return message.getFields().stream().anyMatch(GatewayLabelConvention::isLabelType);
  }

  private static boolean isLabelType(FieldDescriptor field) {
    return field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
        && field.getMessageType().getFullName().equals(SecurityLabel.getDescriptor().getFullName());
  }

  private static void checkLabelled(String where, Descriptor message, List<String> violations) {
    String name = where + " " + message.getFullName();
    FieldDescriptor label = message.findFieldByNumber(LABEL_FIELD);
    if (label == null || !isLabelType(label)) {
      violations.add(name + ": field 1 must be `allied.label.v1.SecurityLabel label`");
    } else {
      if (label.isRepeated()) {
        violations.add(name + ": field 1 (label) must not be repeated");
      }
      if (label.getRealContainingOneof() != null) {
        violations.add(name + ": field 1 (label) must not be inside a oneof");
      }
      if (!label.getName().equals("label")) {
        violations.add(name + ": field 1 must be named `label`, not `" + label.getName() + "`");
      }
    }
    for (FieldDescriptor field : message.getFields()) {
      if (isLabelType(field) && field.getNumber() != LABEL_FIELD) {
        violations.add(
            name
                + ": a second SecurityLabel at field "
                + field.getNumber()
                + " would let the guard decide one label and release another");
      }
    }
    boolean hasBinding =
        message.getFields().stream()
            .anyMatch(
                f ->
                    f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                        && f.getMessageType()
                            .getFullName()
                            .equals(Binding.getDescriptor().getFullName()));
    if (hasBinding) {
      if (!isBound(message)) {
        violations.add(name + ": a Binding must be field 3, named `binding`");
      }
      FieldDescriptor content = message.findFieldByNumber(CONTENT_FIELD);
      if (content == null
          || content.getJavaType() != FieldDescriptor.JavaType.MESSAGE
          || content.isRepeated()) {
        violations.add(
            name + ": a bound message must carry its content as a singular message at field 2");
      }
    }
  }
}
