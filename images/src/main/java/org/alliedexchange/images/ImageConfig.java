package org.alliedexchange.images;

import java.util.List;

/**
 * What a container runs as and with: the {@code config} of an image's configuration (the OCI image
 * spec's names). Lists keep their order in the image.
 */
public record ImageConfig(
    String user,
    List<String> environment,
    List<String> entrypoint,
    List<String> command,
    String workingDirectory,
    List<String> exposedPorts,
    List<String> volumes) {

  public ImageConfig {
    environment = List.copyOf(environment);
    entrypoint = List.copyOf(entrypoint);
    command = List.copyOf(command);
    exposedPorts = List.copyOf(exposedPorts);
    volumes = List.copyOf(volumes);
  }

  /** The {@code config} object as JSON. */
  String json() {
    StringBuilder json = new StringBuilder("{");
    json.append("\"User\":").append(Json.string(user));
    json.append(",\"Env\":").append(Json.array(environment));
    json.append(",\"Entrypoint\":").append(Json.array(entrypoint));
    if (!command.isEmpty()) {
      json.append(",\"Cmd\":").append(Json.array(command));
    }
    json.append(",\"WorkingDir\":").append(Json.string(workingDirectory));
    if (!exposedPorts.isEmpty()) {
      json.append(",\"ExposedPorts\":").append(Json.set(exposedPorts));
    }
    if (!volumes.isEmpty()) {
      json.append(",\"Volumes\":").append(Json.set(volumes));
    }
    return json.append('}').toString();
  }
}
