# Oracle for the redundancy tests: cor(method = "spearman"), hclust(average) on 1 - |rho|,
# cutree(h = 1 - threshold). args: in.csv out.csv threshold excluded(“none” or C1,C2)
# Output long format: "rho" (features x features, column-major), "height" (merge heights in
# hclust order), "cluster" (per feature in column order).
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], check.names = FALSE, stringsAsFactors = FALSE)
threshold <- as.numeric(args[3])
excluded <- if (args[4] == "none") character(0) else strsplit(args[4], ",")[[1]]
numeric_cols <- names(d)[sapply(d, is.numeric)]
x <- as.matrix(d[, setdiff(numeric_cols, excluded)])
rho <- cor(x, method = "spearman")
tree <- hclust(as.dist(1 - abs(rho)), method = "average")
cl <- cutree(tree, h = 1 - threshold)
con <- file(args[2], "w")
writeLines("name,value", con)
emit <- function(name, v) writeLines(sprintf("%s,%s", name, sprintf("%.17g", as.numeric(v))), con)
emit("rho", as.vector(rho))
emit("height", tree$height)
emit("cluster", cl)
close(con)
