package io.fusion4j.api.router;

/**
 * A run of consecutive experts a router routes to, named for the parameters of its experts: the group {@code "text"}
 * of 4 experts gives {@code experts.text.0 … experts.text.3}; the unnamed group ({@code ""}) gives
 * {@code experts.0 …}.
 */
public record ExpertGroup(String name, int experts) {
    public ExpertGroup {
        if (name == null || experts < 1) {
            throw new IllegalArgumentException("an expert group needs a name (\"\" for none) and at least one expert,"
                    + " found name=" + name + " experts=" + experts);
        }
    }

    /** The parameter prefix of expert {@code j} of this group under {@code prefix}. */
    public String expertPrefix(String prefix, int j) {
        return prefix + ".experts." + (name.isEmpty() ? "" : name + ".") + j;
    }
}
