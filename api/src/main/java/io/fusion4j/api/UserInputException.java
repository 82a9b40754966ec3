package io.fusion4j.api;

/**
 * Bad input from the user (an option, a file, a config value), not a bug: the message says what is wrong and
 * names the option or file, in one line, and front ends print it alone, without a stack trace. The CLI exits
 * with code 2 for it. A broken invariant is not user input: throw {@link IllegalStateException} (or
 * {@link IllegalArgumentException} for a caller's bad argument), which the CLI reports as an internal error.
 */
public class UserInputException extends RuntimeException {
    /** @param message one line that names the input at fault and, where it helps, how to fix it */
    public UserInputException(String message) {
        super(message);
    }

    /**
     * @param message one line that names the input at fault and, where it helps, how to fix it
     * @param cause   the failure that revealed it
     */
    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
