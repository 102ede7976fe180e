package org.alliedexchange.serviceruntime;

import org.springframework.context.ConfigurableApplicationContext;

/** A running backend (started by {@link ServiceLauncher#start}); closing it stops it. */
public class RunningService implements AutoCloseable {
  private final ConfigurableApplicationContext context;

  protected RunningService(ConfigurableApplicationContext context) {
    this.context = context;
  }

  public ConfigurableApplicationContext context() {
    return context;
  }

  /** The gRPC port. */
  public int port() {
    return context.getBean(GrpcServer.class).port();
  }

  /** The management port (probes, Prometheus); -1 when it is off. */
  public int managementPort() {
    return context.getBean(ManagementServer.class).port();
  }

  @Override
  public void close() {
    context.close();
  }
}
