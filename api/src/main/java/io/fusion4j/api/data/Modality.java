package io.fusion4j.api.data;

/** What a sequence position holds. The order is fixed: it is the code stored per position in {@link MixedBatch}. */
public enum Modality {
    TEXT,
    IMAGE;

    private static final Modality[] ALL = values();

    /** The modality stored as {@code code} ({@link #ordinal()}). */
    public static Modality of(int code) {
        if (code < 0 || code >= ALL.length) {
            throw new IllegalArgumentException("modality code must be in [0, " + ALL.length + "), found " + code);
        }
        return ALL[code];
    }
}
