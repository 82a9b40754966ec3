/**
 * The conformance suite every {@link io.fusion4j.api.backend.Backend} must pass. A backend runs it by
 * extending {@link io.fusion4j.tck.BackendConformanceSuite} in its tests and naming its provider.
 */
module io.fusion4j.tck {
    requires transitive io.fusion4j.api;
    requires transitive org.junit.jupiter.api;
    requires transitive org.junit.jupiter.params;
    requires org.assertj.core;

    exports io.fusion4j.tck;
    opens io.fusion4j.tck;
}
