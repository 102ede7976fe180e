package org.alliedexchange.containers;

import com.github.dockerjava.api.command.InspectContainerResponse;
import java.util.concurrent.Semaphore;
import org.testcontainers.containers.GenericContainer;

/**
 * A container whose start (when the engine joins it to the network and registers its names) never
 * overlaps another's: Podman 4.3's netavark loses name entries of containers started at the same
 * moment (seen here: three exchange services started together, none resolvable by the gateway).
 * Waiting for readiness still overlaps.
 */
final class NetworkedContainer extends GenericContainer<NetworkedContainer> {

  private static final Semaphore JOINING = new Semaphore(1);

  private boolean joining;

  NetworkedContainer(String image) {
    super(image);
  }

  @Override
  protected void containerIsCreated(String containerId) {
    super.containerIsCreated(containerId);
    JOINING.acquireUninterruptibly();
    joining = true;
  }

  @Override
  protected void containerIsStarting(InspectContainerResponse containerInfo) {
    joined();
    super.containerIsStarting(containerInfo);
  }

  @Override
  public void start() {
    try {
      super.start();
    } finally {
      joined();
    }
  }

  private void joined() {
    if (joining) {
      joining = false;
      JOINING.release();
    }
  }
}
