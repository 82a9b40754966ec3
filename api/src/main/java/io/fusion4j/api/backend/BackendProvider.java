package io.fusion4j.api.backend;

/**
 * Service-provider interface of a compute backend, found with {@link java.util.ServiceLoader}: a
 * backend jar declares {@code provides io.fusion4j.api.backend.BackendProvider with ...} in its
 * {@code module-info.java}, and adding the jar to the module path adds the backend.
 *
 * <p>Contract: {@link #name()} is a short, unique, lower-case identifier; {@link #probe()} is cheap,
 * never throws and never crashes the JVM (a missing native library is a reason, not an error);
 * {@link #create} is only called when {@link #probe()} said available, and may still throw
 * {@link BackendUnavailableException} with a reason.
 */
public interface BackendProvider {
    /** Short name used for selection, e.g. {@code "cpu"} or {@code "cuda"}. */
    String name();

    /** Higher wins when no backend is named; the CPU backend is 10, accelerators 100. */
    int priority();

    /** Whether the backend can run on this machine; when not, a reason a user can act on. */
    Availability probe();

    /**
     * Whether the backend can compute matrix products in {@code precision} here. Every backend computes fp32 (this
     * is then {@link #probe()}); one that offers another precision overrides this and says why it cannot where it
     * cannot (a missing library, a CPU without the instructions).
     */
    default Availability probe(Precision precision) {
        return precision == Precision.FP32 ? probe()
                : Availability.no("backend '" + name() + "' computes matrix products in fp32 only");
    }

    /**
     * Creates a backend instance. Only called when {@link #probe(Precision)} said available for the options'
     * precision; an implementation still refuses a precision it does not offer, with
     * {@link BackendUnavailableException}.
     */
    Backend create(BackendOptions options);
}
