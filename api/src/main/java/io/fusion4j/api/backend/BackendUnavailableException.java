package io.fusion4j.api.backend;

/** A requested backend is missing or cannot run here; the message names it, why, and what is available. */
public class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
