# The register's service, for docker-compose.yml: `relreg serve` on the Neo4j store.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph graph
COPY api api
COPY cypher cypher
COPY seed seed
RUN pip install --no-cache-dir . && useradd --create-home relreg && mkdir /data && chown relreg /data
USER relreg
ENV RELREG_DATA=/data
EXPOSE 8000
CMD ["relreg", "serve", "--host", "0.0.0.0", "--port", "8000"]
