package org.alliedexchange.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceOptions;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.LabelProto;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.junit.jupiter.api.Test;

class GatewayLabelConventionTest {

  private final List<FileDescriptor> files = GatewayLabelConvention.apiFiles();

  @Test
  void everyGuardedServiceOfTheApiKeepsTheConvention() {
    List<ServiceDescriptor> guarded = GatewayLabelConvention.guardedServices(files);

    assertThat(guarded)
        .extracting(ServiceDescriptor::getFullName)
        .contains("allied.exchange.v1.ExchangeService", "allied.audit.v1.AuditService");
    for (ServiceDescriptor service : guarded) {
      assertThat(GatewayLabelConvention.violations(service)).as(service.getFullName()).isEmpty();
    }
  }

  @Test
  void everyExchangeResponseIsABoundProduct() {
    ServiceDescriptor exchange =
        files.stream()
            .flatMap(f -> f.getServices().stream())
            .filter(s -> s.getFullName().equals(ExchangeServiceGrpc.SERVICE_NAME))
            .findFirst()
            .orElseThrow();

    assertThat(exchange.getMethods()).hasSize(5);
    assertThat(exchange.getMethods())
        .allSatisfy(
            m ->
                assertThat(GatewayLabelConvention.isBound(m.getOutputType()))
                    .as(m.getFullName())
                    .isTrue());
  }

  @Test
  void aGuardedServiceWhoseResponseHasNoLabelAtFieldOneIsCaught() throws Exception {
    ServiceDescriptor broken =
        syntheticService(
            field("content", 1, FieldDescriptorProto.Type.TYPE_STRING, null),
            field(
                "label",
                2,
                FieldDescriptorProto.Type.TYPE_MESSAGE,
                ".allied.label.v1.SecurityLabel"));

    assertThat(GatewayLabelConvention.violations(broken))
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains("test.v1.Leaky/Leak response test.v1.LeakResponse")
                    .contains("field 1 must be `allied.label.v1.SecurityLabel label`"))
        .anySatisfy(v -> assertThat(v).contains("a second SecurityLabel at field 2"));
  }

  @Test
  void aRepeatedLabelIsCaught() throws Exception {
    FieldDescriptorProto repeated =
        field("label", 1, FieldDescriptorProto.Type.TYPE_MESSAGE, ".allied.label.v1.SecurityLabel")
            .toBuilder()
            .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)
            .build();

    assertThat(GatewayLabelConvention.violations(syntheticService(repeated)))
        .containsExactly(
            "test.v1.Leaky/Leak response test.v1.LeakResponse: field 1 (label) must not be repeated");
  }

  @Test
  void aWellFormedSyntheticServicePasses() throws Exception {
    ServiceDescriptor fine =
        syntheticService(
            field(
                "label",
                1,
                FieldDescriptorProto.Type.TYPE_MESSAGE,
                ".allied.label.v1.SecurityLabel"),
            field("note", 2, FieldDescriptorProto.Type.TYPE_STRING, null));

    assertThat(GatewayLabelConvention.isGuarded(fine)).isTrue();
    assertThat(GatewayLabelConvention.violations(fine)).isEmpty();
  }

  /**
   * The guard's re-marking: a second field-1 occurrence appended to the bytes merges into the
   * label.
   */
  @Test
  void anAppendedReleaseMergesIntoTheLabelWithoutTouchingTheOriginalBytes() throws Exception {
    GetResponse original =
        GetResponse.newBuilder()
            .setLabel(
                SecurityLabel.newBuilder()
                    .setPolicy("KOR")
                    .setMarking("군사II급비밀")
                    .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
                    .setOriginator("KOR")
                    .addReleasableTo("KOR")
                    .addReleasableTo("JPN"))
            .setContent(ProductContent.newBuilder().setId("p-1").setTopic("dprk.missile.launch"))
            .build();
    byte[] originalBytes = original.toByteArray();
    Release release =
        Release.newBuilder()
            .setRecipientNation("JPN")
            .setMarking("極秘")
            .setTransferId("t-1")
            .build();

    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    wire.write(originalBytes);
    CodedOutputStream out = CodedOutputStream.newInstance(wire);
    out.writeMessage(
        GatewayLabelConvention.LABEL_FIELD, SecurityLabel.newBuilder().setRelease(release).build());
    out.flush();
    GetResponse received = GetResponse.parseFrom(wire.toByteArray());

    assertThat(received.getLabel().getRelease()).isEqualTo(release);
    assertThat(received.getLabel().toBuilder().clearRelease().build())
        .isEqualTo(original.getLabel());
    assertThat(received.getContent()).isEqualTo(original.getContent());
    assertThat(
            ByteString.copyFrom(wire.toByteArray()).startsWith(ByteString.copyFrom(originalBytes)))
        .isTrue();
  }

  private static FieldDescriptorProto field(
      String name, int number, FieldDescriptorProto.Type type, String typeName) {
    FieldDescriptorProto.Builder field =
        FieldDescriptorProto.newBuilder()
            .setName(name)
            .setNumber(number)
            .setType(type)
            .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
    if (typeName != null) {
      field.setTypeName(typeName);
    }
    return field.build();
  }

  private static ServiceDescriptor syntheticService(FieldDescriptorProto... responseFields)
      throws Exception {
    FileDescriptorProto proto =
        FileDescriptorProto.newBuilder()
            .setName("test/v1/leaky.proto")
            .setPackage("test.v1")
            .setSyntax("proto3")
            .addDependency("allied/label/v1/label.proto")
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("LeakRequest")
                    .addField(field("id", 1, FieldDescriptorProto.Type.TYPE_STRING, null)))
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("LeakResponse")
                    .addAllField(List.of(responseFields)))
            .addService(
                ServiceDescriptorProto.newBuilder()
                    .setName("Leaky")
                    .setOptions(ServiceOptions.newBuilder().setExtension(LabelProto.guarded, true))
                    .addMethod(
                        MethodDescriptorProto.newBuilder()
                            .setName("Leak")
                            .setInputType(".test.v1.LeakRequest")
                            .setOutputType(".test.v1.LeakResponse")))
            .build();
    FileDescriptor file =
        FileDescriptor.buildFrom(proto, new FileDescriptor[] {LabelProto.getDescriptor()});
    return file.getServices().get(0);
  }
}
