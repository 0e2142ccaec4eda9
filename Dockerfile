# The register's service, for docker-compose.yml: `relreg serve` on the Neo4j store.
# The image installs the wheel built from the source, as pip users get it, not the source
# folder itself: what runs here is what tests/test_wheel.py tests.
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home relreg \
    && mkdir /data /keys && chown relreg /data /keys && chmod 700 /keys
USER relreg
ENV RELREG_DATA=/data
# The key that seals sign-in secrets, outside the data folder (its own volume).
ENV RELREG_SECRET_KEY_FILE=/keys/secret.key
EXPOSE 8000
CMD ["relreg", "serve", "--host", "0.0.0.0", "--port", "8000"]
