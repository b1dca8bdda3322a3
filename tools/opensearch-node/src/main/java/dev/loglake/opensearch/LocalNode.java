package dev.loglake.opensearch;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node in this JVM: single-node discovery, HTTP and transport on free loopback
 * ports, data under the home directory given as the only argument. Prints {@code http HOST:PORT}
 * once it serves, and closes the node on SIGTERM.
 */
public final class LocalNode extends Node {
  private LocalNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
    // Node's plugin-taking constructor is protected: classpath plugins are how tests embed one.
    super(environment, plugins, true);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: LocalNode <home directory>");
      System.exit(2);
    }
    Path home = Paths.get(args[0]).toAbsolutePath();
    Settings settings =
        Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("cluster.name", "loglake-local")
            .put("node.name", "loglake-local")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", "0")
            .put("transport.port", "0")
            // A nearly full disk must not turn the test's indexes read-only.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
    Node node = new LocalNode(new Environment(settings, home.resolve("config")), List.of(Netty4Plugin.class));
    node.start();
    String address =
        node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().toString();
    System.out.println("http " + address);
    System.out.flush();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.close();
                  } catch (Exception e) {
                    e.printStackTrace();
                  }
                  stopped.countDown();
                }));
    stopped.await();
  }
}
