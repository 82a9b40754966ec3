package io.fusion4j.api.backend;

import io.fusion4j.api.UserInputException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The number format of a backend's matrix products ({@link Backend#gemm}, {@link Backend#groupedGemm},
 * {@link Backend#groupedGemmWeightGrad}). Parameters, gradients, optimizer state, losses and every other kernel stay
 * fp32 in both: {@link #BF16} rounds the two operands of each product to bfloat16 (round to nearest, ties to even)
 * and accumulates in fp32, which is what mixed-precision training with fp32 master weights means here.
 */
public enum Precision {
    FP32("fp32"),
    BF16("bf16");

    private final String label;

    Precision(String label) {
        this.label = label;
    }

    /** The name on the command line and in {@code config.json}: {@code fp32} or {@code bf16}. */
    public String label() {
        return label;
    }

    /** Parses a label; {@code argument} names the flag or field for the error. */
    public static Precision parse(String text, String argument) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (Precision p : values()) {
            if (p.label.equals(t)) {
                return p;
            }
        }
        throw new UserInputException(argument + ": expected one of "
                + Arrays.stream(values()).map(Precision::label).collect(Collectors.joining(", "))
                + ", found '" + text + "'");
    }

    @Override
    public String toString() {
        return label;
    }
}
