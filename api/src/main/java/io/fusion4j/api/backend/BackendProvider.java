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

    /** Creates a backend instance. */
    Backend create(BackendOptions options);
}
