/**
 * fusion4j's tensor core: dtypes, shapes, tensors with backend-owned storage, and the
 * {@link io.fusion4j.api.backend.Backend} SPI that every compute backend implements.
 * Backends are found with {@link java.util.ServiceLoader} through
 * {@link io.fusion4j.api.backend.BackendProvider}.
 */
module io.fusion4j.api {
    requires jdk.management;

    exports io.fusion4j.api;
    exports io.fusion4j.api.tensor;
    exports io.fusion4j.api.backend;
    exports io.fusion4j.api.random;
    exports io.fusion4j.api.io;
    exports io.fusion4j.api.autograd;
    exports io.fusion4j.api.nn;
    exports io.fusion4j.api.optim;
    exports io.fusion4j.api.text;
    exports io.fusion4j.api.data;
    exports io.fusion4j.api.train;
    exports io.fusion4j.api.generate;
    exports io.fusion4j.api.router;

    uses io.fusion4j.api.backend.BackendProvider;
    uses io.fusion4j.api.router.RouterProvider;
}
