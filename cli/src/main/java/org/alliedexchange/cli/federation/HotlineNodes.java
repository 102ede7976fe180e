package org.alliedexchange.cli.federation;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.alliedexchange.hotline.HotlineServiceApplication;

/**
 * The hotline node of each nation, on the port the gateway routes to, in this JVM or each in its
 * own: started with the federation, and stopped and started again one at a time (a cut link in the
 * demo) on the same port and data, so the gateway finds it again where it was.
 */
final class HotlineNodes implements AutoCloseable {

  /** How long a node may take to listen. */
  private static final Duration START = Duration.ofMinutes(3);

  /** What starts one nation's node, and how it runs. */
  private record Node(Map<String, Object> properties, int port) {}

  private final LocalFederation.Mode mode;
  private final ChildProcesses children;
  private final java.nio.file.Path logDir;
  private final Consumer<String> progress;
  private final Map<String, Node> nodes = new TreeMap<>();
  private final Map<String, AutoCloseable> running = new LinkedHashMap<>();

  HotlineNodes(
      LocalFederation.Mode mode,
      ChildProcesses children,
      java.nio.file.Path logDir,
      Consumer<String> progress) {
    this.mode = mode;
    this.children = children;
    this.logDir = logDir;
    this.progress = progress;
  }

  /** Registers {@code nation}'s node, to listen on {@code port}; {@link #start} starts it. */
  synchronized void add(String nation, Map<String, Object> properties, int port) {
    properties.put("allied.hotline.port", Integer.toString(port));
    nodes.put(nation, new Node(properties, port));
  }

  /** Sets one property of {@code nation}'s node before it starts (its secret, known later). */
  synchronized void configure(String nation, String key, String value) {
    requireKnown(nation);
    nodes.get(nation).properties().put(key, value);
  }

  /** The nations with a node, and the port each listens on. */
  synchronized Map<String, Integer> ports() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    nodes.forEach((nation, node) -> ports.put(nation, node.port()));
    return ports;
  }

  /** Starts every registered node not running yet, side by side, and waits until each listens. */
  synchronized void startAll() {
    Map<String, ServiceProcess> launched = new LinkedHashMap<>();
    for (String nation : nodes.keySet()) {
      if (!running.containsKey(nation)) {
        AutoCloseable node = launch(nation);
        if (node instanceof ServiceProcess process) {
          launched.put(nation, process);
        }
      }
    }
    launched.values().forEach(process -> process.awaitListening(START));
  }

  /** Starts {@code nation}'s node again after {@link #stop}; false when it already runs. */
  synchronized boolean start(String nation) {
    requireKnown(nation);
    if (running.containsKey(nation)) {
      return false;
    }
    if (launch(nation) instanceof ServiceProcess process) {
      process.awaitListening(START);
    }
    progress.accept("hotline node " + nation + ": started again");
    return true;
  }

  /** Stops {@code nation}'s node, keeping its data; false when it was not running. */
  synchronized boolean stop(String nation) {
    requireKnown(nation);
    AutoCloseable node = running.remove(nation);
    if (node == null) {
      return false;
    }
    FederationShutdown.closeQuietly(node);
    progress.accept("hotline node " + nation + ": stopped");
    return true;
  }

  synchronized boolean isRunning(String nation) {
    return running.containsKey(nation);
  }

  private void requireKnown(String nation) {
    if (!nodes.containsKey(nation)) {
      throw new IllegalArgumentException(
          "no hotline node " + nation + "; there are " + nodes.keySet());
    }
  }

  private AutoCloseable launch(String nation) {
    Node node = nodes.get(nation);
    String name = "hotline-" + nation.toLowerCase(java.util.Locale.ROOT);
    AutoCloseable started;
    if (mode == LocalFederation.Mode.SEPARATE_PROCESSES) {
      ServiceProcess process =
          ServiceProcess.start(
              name,
              HotlineServiceApplication.class.getName(),
              new LinkedHashMap<>(node.properties()),
              node.port(),
              logDir);
      children.record(name, process.pid(), ChildProcesses.Stop.TERM);
      progress.accept(
          "hotline node " + nation + ": 127.0.0.1:" + node.port() + " (pid " + process.pid() + ")");
      started = process;
    } else {
      started = HotlineServiceApplication.start(new LinkedHashMap<>(node.properties()), null);
      progress.accept("hotline node " + nation + ": 127.0.0.1:" + node.port());
    }
    running.put(nation, started);
    return started;
  }

  /** Stops every running node. */
  @Override
  public synchronized void close() {
    running.values().forEach(FederationShutdown::closeQuietly);
    running.clear();
  }
}
