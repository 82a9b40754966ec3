package io.fusion4j.api.backend;

/** Reductions along the last dimension. */
public enum Reduction {
    SUM, MEAN, MAX, SUM_OF_SQUARES
}
