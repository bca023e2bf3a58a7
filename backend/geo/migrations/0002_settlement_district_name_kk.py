from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="district",
            name="name_kk",
            field=models.CharField(blank=True, max_length=120, verbose_name="name in Kazakh"),
        ),
        migrations.AddField(
            model_name="settlement",
            name="name_kk",
            field=models.CharField(blank=True, max_length=120, verbose_name="name in Kazakh"),
        ),
    ]
