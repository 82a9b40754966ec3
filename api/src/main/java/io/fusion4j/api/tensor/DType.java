package io.fusion4j.api.tensor;

/** Element types. Names and sizes match the safetensors format's dtype strings. */
public enum DType {
    /** IEEE 754 binary32: the compute type. */
    F32("F32", 4),
    /** bfloat16: the upper 16 bits of an F32; storage and mixed precision. */
    BF16("BF16", 2),
    /** Signed 32-bit integer: token ids and indices. */
    I32("I32", 4);

    private final String safetensorsName;
    private final int byteSize;

    DType(String safetensorsName, int byteSize) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
    }

    /** The dtype string used in a safetensors header, e.g. {@code "BF16"}. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types. */
    public boolean isFloating() {
        return this != I32;
    }

    /**
     * Parses a safetensors dtype string.
     *
     * @throws IllegalArgumentException naming the string and the supported names
     */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException(
                "unsupported dtype \"" + name + "\"; fusion4j supports F32, BF16 and I32");
    }

    /** Rounds an F32 to BF16 bits (round to nearest, ties to even; NaN stays NaN). */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40); // quiet NaN, keep sign
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** Widens BF16 bits to the F32 they denote exactly. */
    public static float fromBf16(short h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }
}
