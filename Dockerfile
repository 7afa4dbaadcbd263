# The web app and the RQ worker share this image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FLASK_APP=wsgi.py
WORKDIR /app

COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN pybabel compile -d translations && useradd --create-home shop && mkdir -p instance && chown -R shop instance
USER shop

EXPOSE 8080
CMD ["sh", "-c", "flask db upgrade && exec gunicorn -c gunicorn.conf.py wsgi:app"]
