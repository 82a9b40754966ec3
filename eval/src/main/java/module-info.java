/**
 * The composition root: the {@code fusion4j} command line, benchmarks and (later) the experiment
 * runner. Guice wires backends here and nowhere below.
 */
module io.fusion4j.eval {
    requires io.fusion4j.api;
    requires io.fusion4j.moma;
    requires io.fusion4j.transfusion;
    requires info.picocli;
    requires com.google.guice;
    requires jakarta.inject;
    requires jdk.management;
    requires reactor.core;
    requires com.fasterxml.jackson.databind;
    requires org.reactivestreams;
    // EJML ships no module descriptor or Automatic-Module-Name: these names are derived from the jar file names.
    requires ejml.core;
    requires ejml.ddense;
    // Report plots: JFreeChart (an automatic module) draws with Java2D and writes PNGs with ImageIO. Optional: the
    // dist bundle leaves both out for size (decision 0027); the launcher and the tests add them (--add-modules).
    requires static java.desktop;
    requires static org.jfree.jfreechart;

    uses io.fusion4j.api.backend.BackendProvider;
    uses io.fusion4j.api.router.RouterProvider;

    exports io.fusion4j.eval.bench;
    exports io.fusion4j.eval.data;
    exports io.fusion4j.eval.data.fetch;
    exports io.fusion4j.eval.generate;
    exports io.fusion4j.eval.train;
    exports io.fusion4j.eval.config;
    exports io.fusion4j.eval.models;
    exports io.fusion4j.eval.image;
    exports io.fusion4j.eval.data.shapes;
    exports io.fusion4j.eval.data.images;
    exports io.fusion4j.eval.metrics;
    exports io.fusion4j.eval.report;
    exports io.fusion4j.eval.classify;
    exports io.fusion4j.eval.suite;
    opens io.fusion4j.eval.cli to info.picocli, com.google.guice;
    opens io.fusion4j.eval.config;
}
