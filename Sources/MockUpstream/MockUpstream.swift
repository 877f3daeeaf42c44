public enum MockUpstreamPlaceholder {}
