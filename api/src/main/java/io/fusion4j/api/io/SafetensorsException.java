package io.fusion4j.api.io;

/** A safetensors file is malformed; the message names the file position or tensor at fault. */
public final class SafetensorsException extends RuntimeException {
    public SafetensorsException(String message) {
        super(message);
    }
}
